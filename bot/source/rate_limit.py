"""When a server asks us to come back: every rate-limit header form, read into one wait.

`server_wait(status, headers, now)` gives the seconds to wait before the next request, or None
when the response says nothing about it (the client's own backoff then applies). It reads:

* `Retry-After` on a 429 or 5xx (RFC 9110 §10.2.3): delay-seconds or an HTTP-date (IMF-fixdate,
  and the obsolete RFC 850 and asctime forms). When valid it wins over the headers below, as the
  ratelimit-headers draft says it must.
* `RateLimit` as a Structured Field List of policies (draft-ietf-httpapi-ratelimit-headers-08 on;
  Hugging Face sends `RateLimit: "api";r=0;t=12`): `r` is the quota left, `t` the seconds until it
  resets; several policies, parameters in any order. Parsed with http-sf (RFC 9651).
* `RateLimit` as a Structured Field Dictionary `limit=10, remaining=0, reset=7` (drafts -03 to -07).
* `RateLimit-Remaining` / `RateLimit-Reset` (drafts -00 to -02) and the unofficial
  `X-RateLimit-Remaining` / `X-RateLimit-Reset` / `X-RateLimit-Reset-After` (and `X-Rate-Limit-*`),
  whose reset is a delay or, as GitHub sends it, a Unix time: told apart by size (>= 1e9: a time).

Which reset counts: the latest of the policies whose quota is used up (remaining 0), whatever the
status, so that after a 200 saying `r=0` the next request waits instead of burning a 429; on a 429
that names no used-up policy, the latest reset of any. `RateLimit-Policy` (quota and window) says
nothing about when to come back and is not read.

Limits: negative, non-numeric, non-finite and unparsable values are ignored (a malformed member of
a list is skipped, the others still count); a wait longer than MAX_SERVER_WAIT is cut to it, so a
wrong header (a date years ahead, a reset in milliseconds) never parks the bot for hours. A date in
the past means "now" (0 s).

Also here: `RateLimitStore`, where replicas share "the source is limited until T".
"""

from __future__ import annotations

import math
from datetime import UTC
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
    """Seconds the server asks us to wait before the next request, in [0, MAX_SERVER_WAIT], or None.

    `status` is the response's HTTP status, `now` the current Unix time (for HTTP-dates and Unix
    times in headers). See the module docstring for the forms read and their precedence.
    """
    if status == 429 or status >= 500:
        delay = retry_after(headers.get("retry-after"), now)
        if delay is not None:
            return min(delay, MAX_SERVER_WAIT)
    exhausted: list[float] = []
    others: list[float] = []
    for remaining, reset in _policies(headers, now):
        if reset is None:
            continue
        (exhausted if remaining == 0 else others).append(reset)
    if exhausted:
        return min(max(exhausted), MAX_SERVER_WAIT)
    if status == 429 and others:
        return min(max(others), MAX_SERVER_WAIT)
    return None


def retry_after(value: str | None, now: float) -> float | None:
    """A `Retry-After` value in seconds from `now` (>= 0), or None when absent or malformed."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value[0].isdigit() or value[0] in "+-.":
        seconds = _number(value)
        return seconds if seconds is not None and seconds >= 0 else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # asctime carries no zone; HTTP-dates are always GMT
        moment = moment.replace(tzinfo=UTC)
    try:
        return max(0.0, moment.timestamp() - now)
    except (OverflowError, OSError, ValueError):
        return None


# --- the policies of one response: (remaining quota or None, seconds to its reset or None) ------


def _policies(headers: httpx.Headers, now: float) -> list[tuple[int | None, float | None]]:
    found = _structured(headers.get("ratelimit"), now)
    for prefix in _PREFIXES:
        raw_reset = headers.get(prefix + "reset")
        if raw_reset is None:
            raw_reset = headers.get(prefix + "reset-after")
        if raw_reset is None:
            continue
        found.append((_count(headers.get(prefix + "remaining")), _reset(_number(raw_reset), now)))
    return found


def _structured(value: str | None, now: float) -> list[tuple[int | None, float | None]]:
    """The `RateLimit` field: a List of policies (current draft) or a Dictionary (drafts -03 to -07)."""
    if not value:
        return []
    raw = value.encode("latin-1", "replace")
    try:
        members = http_sf.parse(raw, tltype="list")
    except http_sf.StructuredFieldError:
        members = None
    if members is None:
        try:
            fields = http_sf.parse(raw, tltype="dictionary")
        except http_sf.StructuredFieldError:
            fields = None
        if isinstance(fields, dict):
            limit = {k: _sf_number(v[0] if isinstance(v, tuple) else v) for k, v in fields.items()}
            return [(_count(limit.get("remaining")), _reset(limit.get("reset"), now))]
        members = _salvage(raw)
    out = []
    for member in members:
        if not (isinstance(member, tuple) and len(member) == 2 and isinstance(member[1], dict)):
            continue
        params = member[1]
        out.append((_count(_sf_number(params.get("r"))), _reset(_sf_number(params.get("t")), now)))
    return out


def _salvage(raw: bytes) -> list[Any]:
    """The members of a List that parse on their own, when the whole field does not."""
    members = []
    for part in raw.split(b","):
        try:
            members.append(http_sf.parse(part.strip(), tltype="item"))
        except http_sf.StructuredFieldError:
            continue
    return members


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
