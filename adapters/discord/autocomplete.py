"""Autocomplete suggestions for `/papers time timezone:` and `/papers unsubscribe topic:`.

Plain functions of strings (the Discord glue is in commands.py). Time zones come from
`bot.store.timezones`, which also reads what the store is given, so the suggestions are the same
readings the command will make (`EST` -> `America/New_York`; `IST` -> India, Israel, Ireland) and
each suggested value is a name the store accepts.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.store import timezones

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


def timezone_choices(current: str, preferred: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Up to 25 (name, value) pairs for what was typed: the zone(s) it means (an abbreviation's
    or a country's regions), then IANA names and cities starting with it, then containing it;
    the name shows the region (`America/New_York · United States, Eastern (most areas), EST/EDT`).
    Nothing typed: `preferred` (the channel's zone), then common zones."""
    if not current.strip():
        zones = list(dict.fromkeys([*(z for z in preferred if timezones.is_available(z)), *COMMON_ZONES]))
        found = [timezones.Choice(z, timezones.label(z)) for z in zones]
    else:
        found = timezones.choices(current[:MAX_CHOICE_LENGTH], MAX_CHOICES)
    return [(f"{c.zone} · {c.label}"[:MAX_CHOICE_LENGTH], c.zone) for c in found[:MAX_CHOICES]]


def topic_choices(topics: Iterable[str], current: str, *, include_all: bool = False) -> list[str]:
    """The channel's topics containing what was typed (ignoring case), and `all` if asked for."""
    typed = " ".join(current.split()).casefold()
    found = [t for t in topics if typed in t.casefold() and len(t) <= MAX_CHOICE_LENGTH]
    if include_all and (not typed or "all".startswith(typed)):
        found.append("all")
    return found[:MAX_CHOICES]
