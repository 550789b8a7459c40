"""What people call places and time zones, from libraries that keep it: Unicode CLDR (`babel`)
and countries' populations and capitals (`countryinfo`). `bot.store.timezones` reads it.

* `fold(text)`: the form names are matched in: diacritics dropped (Unicode NFKD, combining marks
  removed, and the few Latin letters that do not decompose: `ø`, `æ`, `ł`...), case folded, so
  `São Paulo`, `Zürich`, `İstanbul` and `sao paulo`, `zurich`, `istanbul` are one name.
* `city_names()`, `country_names()`, `metazone_names()`, `short_names()`: CLDR's exemplar cities
  of zones, territory names and time-zone names ("Eastern Time", "Mitteleuropäische Zeit",
  "MEZ") in `LOCALES`, folded; endonyms come from each language's own locale (`Deutschland`,
  `Brasil`, `Türkiye`). CLDR zone ids are mapped to tz database names by the caller.
* `populations()`, `capitals()`: ISO 3166 code -> people, and -> the capital's (lat, lon), used
  to order regions (most people first) and to pick a country's main zone (the one nearest its
  capital: Sydney for Australia, New York for the United States).

Limits: CLDR names only the cities that give a zone its name; other cities (München, Bay Area)
are `bot.store.timezones.EXTRA_CITIES`. Loading the locales takes about half a second, once.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale
from babel.core import get_global

#: Languages whose names are read: the project's users' most common ones. Each costs ~40 ms once.
LOCALES = ("en", "de", "fr", "es", "pt", "it", "nl", "tr", "pl", "sv", "ja", "zh", "ko", "vi", "id", "ru")

# Latin letters NFKD does not decompose, as people write them without the mark.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """`text` without diacritics and case: `İstanbul` -> `istanbul`, `Bogotá` -> `bogota`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.translate(_LETTERS)


def _locales() -> list[Locale]:
    return [Locale.parse(name) for name in LOCALES]


@cache
def city_names() -> dict[str, str]:
    """Folded exemplar city -> CLDR zone id (`sao paulo`, `zurich`, `wien` -> ...)."""
    found: dict[str, str] = {}
    for locale in _locales():
        for zone, names in locale.time_zones.items():
            city = names.get("city")
            if city:
                found.setdefault(fold(city), zone)
    return found


@cache
def country_names() -> dict[str, str]:
    """Folded territory name -> ISO 3166 code, in every locale of LOCALES (English first)."""
    found: dict[str, str] = {}
    for locale in _locales():
        for code, name in locale.territories.items():
            if len(code) == 2 and code.isalpha():
                found.setdefault(fold(name), code)
    return found


@cache
def metazone_names() -> dict[str, str]:
    """Folded long time-zone name -> CLDR metazone (`eastern time`, `eastern standard time`,
    `mitteleuropaische zeit` -> ...); English names also without their last word "time"
    (`eastern`, `central european`)."""
    found: dict[str, str] = {}
    for locale in _locales():
        for metazone, names in locale.meta_zones.items():
            for name in dict(names.get("long", {})).values():
                key = fold(name)
                found.setdefault(key, metazone)
                if locale.language == "en" and key.endswith(" time"):
                    found.setdefault(key.removesuffix(" time"), metazone)
    return found


@cache
def short_names() -> dict[str, set[str]]:
    """Upper-case short time-zone name -> the CLDR metazones that use it (`MEZ` -> Europe_Central)."""
    found: dict[str, set[str]] = {}
    for locale in _locales():
        for metazone, names in locale.meta_zones.items():
            for name in dict(names.get("short", {})).values():
                if name.isalpha():
                    found.setdefault(name.upper(), set()).add(metazone)
    return found


@cache
def metazone_zones() -> dict[str, tuple[str, ...]]:
    """CLDR metazone -> the CLDR zone ids that use it now."""
    found: dict[str, list[str]] = {}
    for zone, metazone in get_global("meta_zones").items():
        found.setdefault(metazone, []).append(zone)
    return {metazone: tuple(zones) for metazone, zones in found.items()}


def cldr_aliases() -> dict[str, str]:
    """Old CLDR zone ids -> current ones (`Asia/Calcutta` -> `Asia/Kolkata`)."""
    return dict(get_global("zone_aliases"))


@cache
def _countries() -> tuple[dict[str, int], dict[str, tuple[float, float]]]:
    from countryinfo import all_countries  # imported late: it reads its data files

    populations: dict[str, int] = {}
    capitals: dict[str, tuple[float, float]] = {}
    for country in all_countries():
        info = country.info()
        code = (info.get("ISO") or {}).get("alpha2")
        if not code:
            continue
        populations[code] = int(info.get("population") or 0)
        where = info.get("capital_latlng") or []
        if len(where) == 2:
            capitals[code] = (float(where[0]), float(where[1]))
    return populations, capitals


def populations() -> dict[str, int]:
    """ISO 3166 code -> population (countryinfo's figures; 0 where it has none)."""
    return _countries()[0]


def capitals() -> dict[str, tuple[float, float]]:
    """ISO 3166 code -> the capital's (latitude, longitude) in degrees."""
    return _countries()[1]
