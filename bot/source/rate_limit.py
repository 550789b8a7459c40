"""When a server asks us to come back: every rate-limit header form, read into one wait.

`server_wait(status, headers, now)` gives the seconds to wait before the next request, or None
when the response names no moment ahead (the client then applies its own wait: a default one on
a 429, its backoff on a 5xx; see `bot.source.hf_client`). It reads:

* `Retry-After` on a 429 or 5xx (RFC 9110 §10.2.3): delay-seconds or an HTTP-date (IMF-fixdate,
  and the obsolete RFC 850 and asctime forms). When it names a moment ahead it wins over the
  headers below, as the ratelimit-headers draft says it must.
* `RateLimit` as a Structured Field List of policies (draft-ietf-httpapi-ratelimit-headers-08 on;
  Hugging Face sends `RateLimit: "api";r=0;t=12`): `r` is the quota left, `t` the seconds until it
  resets; several policies, parameters in any order. Parsed with http-sf (RFC 9651).
* `RateLimit` as a Structured Field Dictionary `limit=10, remaining=0, reset=7` (drafts -03 to -07).
* `RateLimit-Remaining` / `RateLimit-Reset` (drafts -00 to -02) and the unofficial
  `X-RateLimit-Remaining` / `X-RateLimit-Reset` / `X-RateLimit-Reset-After` (and `X-Rate-Limit-*`),
  whose reset is a delay, a Unix time (as GitHub sends it; told apart by size: >= 1e9 is a time)
  or a date (an HTTP-date, or ISO 8601).
* `RateLimit-Policy` (`"api";q=500;w=300`; HF writes `"fixed window";"api";q=500;w=300`): its
  window `w` bounds the reset of a policy whose quota is used up but that gives no `t` (the quota
  comes back within one window), and `policy_window` gives it to cap the client's own waits.

Which reset counts: the latest of the policies whose quota is used up (remaining 0), whatever the
status, so that after a 200 saying `r=0` the next request waits instead of burning a 429; on a 429
that names no used-up policy, the latest reset of any.

Leniency, since a wrong reading costs either a burst of 429s or a needless wait: a field sent
several times (httpx joins the lines with ", ", as a proxy may) is read member by member and the
latest moment counts (the lowest quota left); a `RateLimit` or `RateLimit-Policy` that is not
valid Structured Field syntax (uppercase parameter names, HF's two names before the parameters,
a stray non-ASCII character) is read member by member by `_loose_members`, since http-sf, as RFC
9651 §4.2 requires, refuses the whole field. Numbers there still follow the SF grammar.

Limits: negative, non-numeric, non-finite and unparsable values are ignored (a malformed member of
a list is skipped, the others still count); a moment that is now or past is no moment ahead
(None); a wait longer than MAX_SERVER_WAIT is cut to it, so a wrong header (a date years ahead, a
reset in milliseconds) never parks the bot for hours.

Also here: `RateLimitStore`, where replicas share "the source is limited until T".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import http_sf
import httpx

#: The longest wait a server can ask of us (seconds). Hugging Face's rate-limit window is 5 minutes
#: (`RateLimit-Policy: ...;w=300`): no reset of its lies further ahead.
MAX_SERVER_WAIT = 300.0

_UNIX_TIME = 1e9  # a "reset" this large is a Unix time (from 2001-09-09), not a delay
_UNIX_TIME_MS = 1e12  # ... and this large, a Unix time in milliseconds
_PREFIXES = ("ratelimit-", "x-ratelimit-", "x-rate-limit-")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = frozenset(_DAYS) | {day[:3] for day in _DAYS}  # an HTTP-date's comma follows one
_SF_NUMBER = re.compile(r"-?\d{1,15}(?:\.\d{1,3})?")  # RFC 9651 Integer or Decimal, as text
_SF_KEY = re.compile(r"[a-z*][a-z0-9_.*-]*")

#: A policy of a structured field: its name (lowercase; None if it has none) and numeric parameters.
Policy = tuple[str | None, dict[str, float]]


class RateLimitStore(Protocol):
    """Where the replicas of the bot share "the source is limited until T" (T in Unix seconds).

    Implementations must not raise: a store that cannot be reached answers None and forgets.
    """

    async def until(self) -> float | None:
        """The moment the source asked us to wait until, if it is still ahead; else None."""
        ...

    async def hold(self, until: float) -> None:
        """Record that the source is limited until `until`, unless a later moment is recorded."""
        ...


def server_wait(status: int, headers: httpx.Headers, now: float) -> float | None:
    """Seconds the server asks us to wait before the next request, in (0, MAX_SERVER_WAIT], or None.

    `status` is the response's HTTP status, `now` the current Unix time (for HTTP-dates and Unix
    times in headers). None when no header names a moment after `now`: a `Retry-After: 0` or a
    date in the past is no wait. See the module docstring for the forms read and their precedence.
    """
    if status == 429 or status >= 500:
        delay = _latest(retry_after(v, now) for v in _field_members(headers, "retry-after"))
        if delay is not None and delay > 0:
            return min(delay, MAX_SERVER_WAIT)
    windows = _windows(headers)
    exhausted: list[float] = []
    others: list[float] = []
    for name, remaining, reset in _policies(headers, now):
        if reset is None and remaining == 0 and windows:  # used up, no reset: within one window
            reset = windows.get(name) if name in windows else max(windows.values())
        if reset is None or reset <= 0:
            continue
        (exhausted if remaining == 0 else others).append(reset)
    if exhausted:
        return min(max(exhausted), MAX_SERVER_WAIT)
    if status == 429 and others:
        return min(max(others), MAX_SERVER_WAIT)
    return None


def policy_window(headers: httpx.Headers) -> float | None:
    """The longest window (`w`, seconds) of the response's `RateLimit-Policy`, if it states one:
    a quota used up now is back within it, so no wait of the client need be longer."""
    return max(_windows(headers).values(), default=None)


def retry_after(value: str | None, now: float) -> float | None:
    """One `Retry-After` value in seconds from `now` (0 for a moment past), or None when absent
    or malformed. A field sent several times: `server_wait` reads each value."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value[0].isdigit() or value[0] in "+-.":
        seconds = _number(value)
        return seconds if seconds is not None and seconds >= 0 else None
    return _until(value, now)


# --- the policies of one response: (name, remaining quota or None, seconds to its reset or None) -


def _policies(headers: httpx.Headers, now: float) -> list[tuple[str | None, int | None, float | None]]:
    found = []
    for name, params in _structured(headers.get("ratelimit")):
        remaining = params.get("r", params.get("remaining"))
        reset = params.get("t", params.get("reset"))
        found.append((name, _count(remaining), _reset(reset, now)))
    for prefix in _PREFIXES:
        resets = _field_members(headers, prefix + "reset") or _field_members(headers, prefix + "reset-after")
        remaining = [_count(_number(v)) for v in _field_members(headers, prefix + "remaining")]
        if not resets and not remaining:
            continue
        counts = [c for c in remaining if c is not None]
        found.append((None, min(counts, default=None), _latest(_reset_value(v, now) for v in resets)))
    return found


def _windows(headers: httpx.Headers) -> dict[str | None, float]:
    """Window (`w`, seconds > 0) per policy name of `RateLimit-Policy`; the longest for a name."""
    windows: dict[str | None, float] = {}
    for name, params in _structured(headers.get("ratelimit-policy")):
        window = params.get("w")
        if window is not None and window > 0:
            windows[name] = max(window, windows.get(name, 0.0))
    return windows


def _structured(value: str | None) -> list[Policy]:
    """A structured rate-limit field: a List of policies (current draft) or a Dictionary (drafts -03
    to -07, read as one nameless policy); `_loose_members` when it is neither."""
    if not value:
        return []
    if value.isascii():
        raw = value.encode("ascii")
        try:
            return [_sf_policy(m) for m in http_sf.parse(raw, tltype="list") if _sf_item(m)]
        except http_sf.StructuredFieldError:
            pass
        try:
            fields = http_sf.parse(raw, tltype="dictionary")
        except http_sf.StructuredFieldError:
            fields = None
        if isinstance(fields, dict):
            params: dict[str, float] = {}
            for key, member in fields.items():
                item, extra = member if isinstance(member, tuple) else (member, {})
                params.update(_sf_params(extra))
                if (number := _sf_number(item)) is not None:
                    params[key] = number
            return [(None, params)]
    return _loose_members(value)


def _sf_item(member: Any) -> bool:
    return isinstance(member, tuple) and len(member) == 2 and isinstance(member[1], dict)


def _sf_policy(member: tuple[Any, dict[str, Any]]) -> Policy:
    item, params = member
    name = str(item).lower() if isinstance(item, str | http_sf.types.Token) else None
    return name, _sf_params(params)


def _sf_params(params: dict[str, Any]) -> dict[str, float]:
    return {k: n for k, v in params.items() if (n := _sf_number(v)) is not None}


def _loose_members(value: str) -> list[Policy]:
    """A rate-limit field that is not valid Structured Field syntax, read leniently: members
    split at commas outside quotes, each `;`-separated part either a `key=number` parameter (key
    in any case) or a name (a token or a quoted string; the last one names the policy, as in HF's
    `"fixed window";"api";...`). Characters outside printable ASCII are read as spaces; a value
    that is not an SF Integer or Decimal is skipped. Members without a name (a Dictionary written
    loosely, `Limit=10, Remaining=0`) make up one nameless policy."""
    text = "".join(c if " " <= c <= "~" else " " for c in value)
    named: list[Policy] = []
    nameless: dict[str, float] = {}
    for member in _split_outside_quotes(text, ","):
        name: str | None = None
        params: dict[str, float] = {}
        for part in _split_outside_quotes(member, ";"):
            key, equals, number = part.partition("=")
            key, number = key.strip().lower(), number.strip()
            if equals:
                if _SF_KEY.fullmatch(key) and _SF_NUMBER.fullmatch(number):
                    params.setdefault(key, float(number))
            elif part.strip():
                name = part.strip().strip('"').lower()
        if name is None:
            for key, number in params.items():
                nameless.setdefault(key, number)
        elif params:
            named.append((name, params))
    return named + ([(None, nameless)] if nameless else [])


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


# --- values ------------------------------------------------------------------------------------


def _field_members(headers: httpx.Headers, name: str) -> list[str]:
    """The members of a field that may come several times or folded into one line (`40, 40`):
    each line, split at commas, except the comma after an HTTP-date's weekday."""
    members: list[str] = []
    for line in headers.get_list(name):
        parts = [p.strip() for p in line.split(",")]
        i = 0
        while i < len(parts):
            if parts[i].lower() in _WEEKDAYS and i + 1 < len(parts):
                members.append(f"{parts[i]}, {parts[i + 1]}")
                i += 2
            else:
                members.append(parts[i])
                i += 1
    return [m for m in members if m]


def _latest(values: Iterable[float | None]) -> float | None:
    return max((v for v in values if v is not None), default=None)


def _reset_value(value: str, now: float) -> float | None:
    """A reset header's value: a number (see `_reset`) or a date."""
    number = _number(value)
    return _reset(number, now) if number is not None else _until(value, now)


def _until(value: str, now: float) -> float | None:
    """Seconds from `now` to an HTTP-date (any of its three forms) or an ISO 8601 date-time with
    a zone (0 if past); None if `value` is neither."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None  # a local time of an unknown zone
    if moment.tzinfo is None:  # asctime carries no zone; HTTP-dates are always GMT
        moment = moment.replace(tzinfo=UTC)
    try:
        return max(0.0, moment.timestamp() - now)
    except (OverflowError, OSError, ValueError):
        return None


def _number(value: Any) -> float | None:
    """A finite number from a header value or an SF integer/decimal; None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _sf_number(value: Any) -> float | None:
    """An SF Integer or Decimal as a float; None for any other type (a String "12" is not a number)."""
    return _number(value) if isinstance(value, int | float | Decimal) else None


def _count(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number >= 0 and number == int(number) else None


def _reset(value: float | None, now: float) -> float | None:
    """Seconds until a reset written as a delay, a Unix time or a Unix time in ms; None if invalid."""
    if value is None or value < 0:
        return None
    if value >= _UNIX_TIME_MS:
        value = value / 1000 - now
    elif value >= _UNIX_TIME:
        value -= now
    return max(0.0, value)
