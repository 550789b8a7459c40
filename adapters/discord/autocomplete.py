"""Autocomplete suggestions for `/papers time timezone:` and `/papers unsubscribe topic:`.

Plain functions of strings (the Discord glue is in commands.py); time zone names come from the
store's own list, so a suggestion is always a name the store accepts.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.models import parse_timezone, zone_names

MAX_CHOICES = 25  # Discord shows at most 25 suggestions
MAX_CHOICE_LENGTH = 100  # name and value of a choice

#: Offered before anything is typed, after the channel's own zone.
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
)


def _key(text: str) -> str:
    return "_".join(text.strip().lower().split())


def timezone_choices(current: str, preferred: Iterable[str] = ()) -> list[str]:
    """Up to 25 IANA names for what was typed: exact, then prefix, then a later part's prefix
    (`berlin` -> `Europe/Berlin`), then anywhere. Nothing typed: `preferred`, then common zones."""
    names = zone_names()  # lower-case -> canonical
    typed = _key(current)[:MAX_CHOICE_LENGTH]
    if not typed:
        return list(dict.fromkeys([*preferred, *COMMON_ZONES]))[:MAX_CHOICES]
    canonical = "UTC" if typed in ("utc", "gmt", "z") else names.get(typed)
    exact = [canonical] if canonical else []
    prefix, part, anywhere = [], [], []
    for low, name in sorted(names.items(), key=lambda item: item[1]):
        if low == typed:
            continue
        if low.startswith(typed):
            prefix.append(name)
        elif any(piece.startswith(typed) for piece in low.split("/")[1:]):
            part.append(name)
        elif typed in low:
            anywhere.append(name)
    # as the store spells them (`GMT` is stored as `UTC`), each once
    names_found = (parse_timezone(name) for name in [*exact, *prefix, *part, *anywhere])
    return list(dict.fromkeys(names_found))[:MAX_CHOICES]


def topic_choices(topics: Iterable[str], current: str, *, include_all: bool = False) -> list[str]:
    """The channel's topics containing what was typed (ignoring case), and `all` if asked for."""
    typed = " ".join(current.split()).casefold()
    found = [t for t in topics if typed in t.casefold() and len(t) <= MAX_CHOICE_LENGTH]
    if include_all and (not typed or "all".startswith(typed)):
        found.append("all")
    return found[:MAX_CHOICES]
