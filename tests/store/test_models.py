"""Validation of what people type, with messages that say what would work."""

from __future__ import annotations

from datetime import time

import pytest

from bot.store.models import (
    MAX_TOPICS,
    Schedule,
    SubscriptionError,
    parse_post_time,
    parse_timezone,
    validate_top,
    validate_topic,
    validate_topics,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9:05", time(9, 5)),
        ("17.30", time(17, 30)),
        ("7h05", time(7, 5)),
        (" 23:59 ", time(23, 59)),
    ],
)
def test_post_time(text: str, expected: time) -> None:
    assert parse_post_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "09:60", "nine", "", "13pm", "12:5"])  # `9`, `9am`: 09:00
def test_bad_post_time_says_how(text: str) -> None:
    with pytest.raises(SubscriptionError, match="HH:MM"):
        parse_post_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("europe/paris", "Europe/Paris"),
        ("utc", "UTC"),
        ("America/New York", "America/New_York"),
    ],
)
def test_timezone_canonical(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("０９：００", time(9)), ("１７．３０", time(17, 30)), ("٠٩:٣٠", time(9, 30)), ("09:00\u2060", time(9))],
)
def test_post_time_as_any_keyboard_types_it(text: str, expected: time) -> None:
    """Discord passes its `time:` option straight to the store: folding happens here too."""
    assert parse_post_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ｅｕｒｏｐｅ／Ｐａｒｉｓ", "Europe/Paris"),
        ("\u2066Asia/Tokyo\u2069", "Asia/Tokyo"),
        ("ＵＴＣ", "UTC"),
    ],
)
def test_timezone_as_any_keyboard_types_it(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


def test_unknown_timezone_suggests_the_closest() -> None:
    with pytest.raises(SubscriptionError, match="Europe/Paris"):
        parse_timezone("Europe/Pariss")
    with pytest.raises(SubscriptionError, match="IANA"):
        parse_timezone("Mars/Olympus")


@pytest.mark.parametrize("value", [0, 21, -1, "x", 2.5, True, "³3"])
def test_top_range(value: object) -> None:
    with pytest.raises(SubscriptionError, match="1 to 20"):
        validate_top(value)  # type: ignore[arg-type]


def test_top_accepts_numbers_and_digits() -> None:
    assert validate_top(1) == 1
    assert validate_top("20") == 20
    assert validate_top("１５") == 15


def test_topic_length_limit() -> None:
    assert validate_topic("x" * 100) == "x" * 100
    with pytest.raises(SubscriptionError, match="100"):
        validate_topic("x" * 101)


def test_topic_uses_the_ranking_parser() -> None:
    with pytest.raises(SubscriptionError):
        validate_topic("   ")
    with pytest.raises(SubscriptionError):
        validate_topic("-video")  # only an exclusion: the query parser refuses it


def test_topics_deduplicate_and_cap() -> None:
    assert validate_topics(["diffusion", "Diffusion", "video  generation"]) == (
        "diffusion",
        "video generation",
    )
    assert len(validate_topics([f"topic{i}" for i in range(MAX_TOPICS)])) == MAX_TOPICS
    with pytest.raises(SubscriptionError, match="25"):
        validate_topics([f"topic{i}" for i in range(MAX_TOPICS + 1)])


def test_schedule_json_round_trip() -> None:
    schedule = Schedule(("agents", "é"), time(7, 30), "Asia/Tokyo", 12, True, True)
    assert Schedule.from_json(schedule.to_json(), platform="discord") == schedule
    typed = Schedule(("R&amp;D typed so", "<@U1|ana>"))  # topics are stored as typed: never decoded
    assert Schedule.from_json(typed.to_json(), platform="slack") == typed
