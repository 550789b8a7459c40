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
