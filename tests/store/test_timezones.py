"""Time zones as people type them (issue 10, kind 4): what each reading gives, and our tables
checked against zoneinfo so that none can point at a zone that does not exist or does not use
the abbreviation."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.store import SubscriptionError, timezones
from bot.store.models import parse_timezone


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        # abbreviations people mean for one region
        ("EST", "America/New_York"),
        ("est", "America/New_York"),
        ("EDT", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
        ("JST", "Asia/Tokyo"),
        ("BST", "Europe/London"),
        ("HST", "Pacific/Honolulu"),
        ("KST", "Asia/Seoul"),
        ("CET", "Europe/Paris"),
        ("SGT", "Asia/Singapore"),
        ("ET", "America/New_York"),
        # old names and old US rule zones: their regions
        ("EST5EDT", "America/New_York"),
        ("PST8PDT", "America/Los_Angeles"),
        ("US/Eastern", "America/New_York"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Amsterdam", "Europe/Amsterdam"),  # a region: kept, although tzdata links it
        # cities, any case, spaces or underscores
        ("London", "Europe/London"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("Tokyo", "Asia/Tokyo"),
        ("berlin", "Europe/Berlin"),
        ("Calcutta", "Asia/Kolkata"),
        ("Beijing", "Asia/Shanghai"),
        ("san francisco", "America/Los_Angeles"),
        ("Bangalore", "Asia/Kolkata"),
        # countries
        ("India", "Asia/Kolkata"),
        ("Germany", "Europe/Berlin"),
        ("japan", "Asia/Tokyo"),
        ("UK", "Europe/London"),
        ("South Korea", "Asia/Seoul"),
        # UTC and explicit offsets
        ("UTC", "UTC"),
        ("z", "UTC"),
        ("Etc/UTC", "UTC"),
        ("UTC+0", "UTC"),
        ("UTC+2", "Etc/GMT-2"),
        ("gmt-5", "Etc/GMT+5"),
        ("+09:00", "Etc/GMT-9"),
        ("Etc/GMT+5", "Etc/GMT+5"),
    ],
)
def test_what_people_type(typed: str, zone: str) -> None:
    assert parse_timezone(typed) == zone


@pytest.mark.parametrize(
    ("typed", "first", "others"),
    [
        ("IST", "Asia/Kolkata", {"Asia/Jerusalem", "Europe/Dublin"}),  # India, Israel, Ireland
        ("CST", "America/Chicago", {"Asia/Shanghai", "America/Havana"}),  # US Central, China, Cuba
        ("MST", "America/Denver", {"America/Phoenix"}),  # with and without daylight saving time
        ("GMT", "UTC", {"Europe/London"}),
        ("AEST", "Australia/Sydney", {"Australia/Brisbane"}),
        ("United States", "America/New_York", {"America/Chicago", "America/Los_Angeles", "Pacific/Honolulu"}),
        ("China", "Asia/Shanghai", {"Asia/Urumqi"}),
        ("+05:30", None, {"Asia/Kolkata", "Asia/Colombo"}),  # no fixed zone for half hours
    ],
)
def test_ambiguous_text_asks_which(typed: str, first: str | None, others: set[str]) -> None:
    with pytest.raises(timezones.AmbiguousZone) as caught:
        timezones.resolve(typed)
    zones = [c.zone for c in caught.value.choices]
    assert first is None or zones[0] == first
    assert others <= set(zones) and len(zones) == len(set(zones))
    behaviours = [timezones.behaviour(z) for z in zones]
    assert len(set(behaviours)) == len(behaviours) or typed.startswith("+")  # each region once
    with pytest.raises(SubscriptionError, match="Type the one you mean") as error:
        parse_timezone(typed)
    assert error.value.title == "Which time zone do you mean?"
    assert all(f"`{z}`" in str(error.value) for z in zones)


def test_the_question_labels_each_region() -> None:
    with pytest.raises(timezones.AmbiguousZone) as caught:
        timezones.resolve("IST")
    labels = {c.zone: c.label for c in caught.value.choices}
    assert labels["Asia/Kolkata"].startswith("India") and "IST" in labels["Asia/Kolkata"]
    assert labels["Asia/Jerusalem"].startswith("Israel") and labels["Europe/Dublin"].startswith("Ireland")


@pytest.mark.parametrize("typed", ["EST", "MST", "HST", "GMT", "Etc/GMT", "EST5EDT", "CET", "WET", "EET"])
def test_a_legacy_zone_is_never_taken_as_it_is(typed: str) -> None:
    """Either a region, a question, or UTC itself; never the fixed `EST` zone."""
    try:
        zone = parse_timezone(typed)
    except SubscriptionError as exc:
        assert exc.title == "Which time zone do you mean?"
        return
    assert zone == "UTC" or ("/" in zone and not zone.startswith("Etc/"))


def test_fixed_offsets_say_so() -> None:
    read = timezones.resolve("UTC+2")
    assert read.zone == "Etc/GMT-2" and read.read_as is not None
    assert "fixed UTC+02:00" in read.read_as and "no daylight saving time" in read.read_as
    assert timezones.resolve("Etc/GMT+5").read_as == (
        "`Etc/GMT+5` read as `Etc/GMT+5`: fixed UTC\u221205:00, no daylight saving time"
    )


def test_unknown_names_get_close_suggestions() -> None:
    with pytest.raises(SubscriptionError, match="Did you mean `Europe/Paris`"):
        parse_timezone("Europe/Pariss")
    with pytest.raises(SubscriptionError, match="Did you mean `America/Los_Angeles`"):
        parse_timezone("los angles")
    with pytest.raises(SubscriptionError, match="not a time zone I know") as error:
        parse_timezone("Mars/Olympus")
    assert "Did you mean" not in str(error.value)
    with pytest.raises(SubscriptionError):
        parse_timezone("UTC+15")


def test_stored_legacy_zones_are_recognised() -> None:
    now = datetime(2025, 7, 1, 12, tzinfo=UTC)
    est = timezones.zone_facts("EST", now)
    assert est.fixed and est.legacy and est.offset == "UTC\u221205:00"
    assert est.suggestions[0].zone == "America/New_York"
    eastern = timezones.zone_facts("US/Eastern", now)
    assert eastern.legacy and not eastern.fixed and eastern.suggestions[0].zone == "America/New_York"
    fixed = timezones.zone_facts("Etc/GMT-2", now)
    assert fixed.fixed and fixed.suggestions  # regions that are at UTC+02:00 in some season
    assert all(120 in timezones.behaviour(c.zone) for c in fixed.suggestions)
    tokyo = timezones.zone_facts("Asia/Tokyo", now)
    assert not tokyo.legacy and tokyo.offset == "UTC+09:00" and tokyo.abbreviation == "JST"
    assert not timezones.zone_facts("UTC", now).legacy


# --- our tables, checked against zoneinfo -----------------------------------------------------------


def test_preferred_abbreviations_are_used_by_their_zones() -> None:
    for name, zone in timezones.PREFERRED.items():
        assert zone in timezones.available(), zone
        assert name in timezones.abbreviations(zone), (name, zone, timezones.abbreviations(zone))


def test_ordered_zones_use_their_abbreviation() -> None:
    for name, zones in timezones.ORDER.items():
        for zone in zones:
            assert zone in timezones.available(), zone
            assert zone == "UTC" or name in timezones.abbreviations(zone), (name, zone)


def test_every_table_entry_is_a_zone() -> None:
    zones = [
        *(z for zs in timezones.EXTRA_ABBREVIATIONS.values() for z in zs),
        *timezones.EXTRA_CITIES.values(),
        *timezones.RULE_ZONES.values(),
    ]
    for zone in zones:
        assert zone in timezones.available() and ZoneInfo(zone) is not None, zone
        assert not timezones.is_legacy(zone), zone
    for code in timezones.COUNTRY_ALIASES.values():
        assert code in timezones._country_zones(), code


def test_rule_zones_keep_their_regions_time() -> None:
    for legacy, region in timezones.RULE_ZONES.items():
        assert timezones.behaviour(legacy) == timezones.behaviour(region), legacy


def test_every_suggestion_is_accepted() -> None:
    for typed in ("IST", "CST", "United States", "Australia", "+05:30", "ist", "new", "EST"):
        for choice in timezones.choices(typed):
            assert parse_timezone(choice.zone) == choice.zone, (typed, choice)


# --- review of issue 10 kind 4: every item a class ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        # a country is its own zones (zone.tab), not what tzdata links an old name to
        ("Samoa", "Pacific/Apia"), ("American Samoa", "Pacific/Pago_Pago"), ("Iceland", "Atlantic/Reykjavik"),
        ("Japan", "Asia/Tokyo"), ("Turkey", "Europe/Istanbul"),
        # names in other languages and with accents (CLDR), folded
        ("Türkiye", "Europe/Istanbul"), ("Deutschland", "Europe/Berlin"), ("São Paulo", "America/Sao_Paulo"),
        ("Zürich", "Europe/Zurich"), ("Bogotá", "America/Bogota"), ("İstanbul", "Europe/Istanbul"),
        ("München", "Europe/Berlin"), ("Wien", "Europe/Vienna"), ("sao paulo", "America/Sao_Paulo"),
        # nicknames and old names
        ("LA", "America/Los_Angeles"), ("SF", "America/Los_Angeles"), ("Bay Area", "America/Los_Angeles"),
        ("NY", "America/New_York"), ("HCMC", "Asia/Ho_Chi_Minh"), ("Peking", "Asia/Shanghai"),
        # time-zone names, with or without "Time", and abbreviations with dots or in German
        ("Eastern", "America/New_York"), ("Eastern Time", "America/New_York"), ("Pacific", "America/Los_Angeles"),
        ("Central Time", "America/Chicago"), ("Mountain", "America/Denver"), ("E.S.T.", "America/New_York"),
        ("MEZ", "Europe/Paris"), ("MESZ", "Europe/Paris"),
    ],
)  # fmt: skip
def test_names_people_type(typed: str, zone: str) -> None:
    found = timezones.resolve(typed)
    assert found.zone == zone
    assert found.read_as and f"`{typed}` read as `{zone}`" in found.read_as


@pytest.mark.parametrize(
    ("typed", "first", "why"),
    [
        ("Korea", "Asia/Seoul", "is in the names of"),
        ("Brasil", "America/Sao_Paulo", "Brazil has"),
        ("DE", "Europe/Berlin", "is the country code of Germany"),
        ("IN", "Asia/Kolkata", "is the country code of India"),
        ("BR", "America/Sao_Paulo", "is the country code of Brazil"),
        ("UTC+5:30", "Asia/Kolkata", "not a whole hour"),
        ("Canada", "America/Toronto", "Canada has"),
        ("Australia", "Australia/Sydney", "Australia has"),
    ],
)
def test_questions_list_the_region_most_people_mean_first(typed: str, first: str, why: str) -> None:
    with pytest.raises(timezones.AmbiguousZone) as caught:
        timezones.resolve(typed)
    assert why in caught.value.reason and caught.value.choices[0].zone == first


def test_a_fixed_offsets_note_suggests_the_most_populous_region_first() -> None:
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC)
    facts = timezones.zone_facts("Etc/GMT+5", winter)
    assert facts.suggestions[0].zone == "America/New_York"
    assert "Pacific/Easter" not in [c.zone for c in facts.suggestions[:2]]


@pytest.mark.parametrize("typed", ["São", "Zür", "Bogotá", "Münch", "İstan"])
def test_autocomplete_folds_accents(typed: str) -> None:
    assert timezones.choices(typed), typed


LEGACY = ("MET", "CET", "EET", "WET", "EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT")


def _readings() -> dict[str, str]:
    out = {}
    for name in LEGACY:
        try:
            out[name] = timezones.resolve(name).zone
        except timezones.AmbiguousZone as exc:
            out[name] = "ask:" + ",".join(c.zone for c in exc.choices)
    return out


def test_legacy_zones_are_never_taken_and_read_the_same_whatever_tz_database() -> None:
    """The same names with the system's zoneinfo (older: MET is a zone there) and with the tzdata
    package (2024b+: MET is a link to Brussels), each in a fresh interpreter."""
    import json
    import os
    import subprocess
    import sys

    code = "import json; from tests.store.test_timezones import _readings; print(json.dumps(_readings()))"
    results = []
    for tzpath in (None, ""):  # the machine's default search path; only the tzdata package
        env = dict(os.environ)
        if tzpath is not None:
            env["PYTHONTZPATH"] = tzpath
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        results.append(json.loads(out.stdout))
    assert results[0] == results[1]
    for name, zone in results[0].items():
        assert "/" in zone, (name, zone)  # a region (or a question listing regions), never the legacy zone
