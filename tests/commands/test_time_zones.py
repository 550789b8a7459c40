"""`/papers time` with time zones as people type them (issue 10, kind 4): the confirmation names
the region, today's UTC offset and the next post; ambiguous abbreviations are asked about; a
channel stored with a legacy zone is flagged by `/papers status`. NOW is Wed 15 Oct 2025 12:00 UTC."""

from __future__ import annotations

import pytest

from bot.commands import CommandService, Notice
from bot.store import State
from tests.commands.conftest import CHANNEL, MANAGER, MEMBER


async def notice(service: CommandService, text: str, caller=MANAGER) -> Notice:
    reply = await service.run(text, caller)
    assert isinstance(reply, Notice), reply
    return reply


async def test_est_means_new_york_and_the_confirmation_says_so(service: CommandService, state: State) -> None:
    await notice(service, "subscribe")
    reply = await notice(service, "time 09:00 EST")
    assert reply.title == "Post time changed" and reply.tone == "ok"
    assert reply.lines[0] == "Daily post: 5 papers at 09:00 `America/New_York`, every day."
    assert "`EST` read as `America/New_York`: United States, Eastern (most areas), EST/EDT." in reply.lines
    assert (
        "Time zone: `America/New_York` (United States, Eastern (most areas), EST/EDT), today UTC\u221204:00, EDT."
        in reply.lines
    )
    assert reply.lines[-1] == "Next post: Wed 15 Oct 2025 09:00 (`America/New_York`)."  # 08:00 in NY now
    sub = await state.subscriptions.get(CHANNEL)
    assert sub is not None and sub.timezone == "America/New_York"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("JST", "Asia/Tokyo"), ("PST", "America/Los_Angeles"), ("BST", "Europe/London"), ("new york", "America/New_York"),
     ("India", "Asia/Kolkata"), ("london", "Europe/London"), ("Tokyo", "Asia/Tokyo")],
)  # fmt: skip
async def test_abbreviations_cities_and_countries(service: CommandService, typed: str, zone: str) -> None:
    await notice(service, "subscribe")
    reply = await notice(service, f"time 08:30 {typed}")
    assert reply.title == "Post time changed", reply
    assert reply.lines[0] == f"Daily post: 5 papers at 08:30 `{zone}`, every day."


async def test_ambiguous_abbreviations_ask_which_and_change_nothing(
    service: CommandService, state: State
) -> None:
    await notice(service, "subscribe")
    for typed, zones in (
        ("IST", ("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin")),
        ("CST", ("America/Chicago", "Asia/Shanghai", "America/Havana")),
    ):
        reply = await notice(service, f"time 09:00 {typed}")
        assert reply.title == "Which time zone do you mean?" and reply.tone == "warning"
        assert all(f"`{z}`" in reply.lines[0] for z in zones), reply.lines
        assert "MST" not in reply.lines[0]
    sub = await state.subscriptions.get(CHANNEL)
    assert sub is not None and sub.timezone == "UTC"


async def test_a_fixed_offset_is_named_as_one(service: CommandService) -> None:
    await notice(service, "subscribe")
    reply = await notice(service, "time 09:00 UTC+2")
    assert reply.lines[0] == "Daily post: 5 papers at 09:00 `Etc/GMT-2`, every day."
    text = " ".join(reply.lines)
    assert "fixed UTC+02:00, no daylight saving time" in text
    assert "is a fixed offset, UTC+02:00 all year with no daylight saving time" in text
    # 14:00 at UTC+2: today's 09:00 has passed without a post, so it comes now
    assert reply.lines[-1].startswith("Next post: within a minute (today's, Wed 15 Oct 2025 09:00")


async def test_status_flags_a_channel_stored_with_a_legacy_zone(
    service: CommandService, state: State
) -> None:
    """A channel set before this version kept `EST`; it keeps its times, and status says why that
    is probably not what was meant, with the command that fixes it."""
    await notice(service, "subscribe")
    key = state.keys.sub(CHANNEL)
    cfg = (await state.redis.hget(key, "cfg")).replace('"tz":"UTC"', '"tz":"EST"')
    await state.redis.hset(key, "cfg", cfg)
    status = await notice(service, "status", caller=MEMBER)
    text = " ".join(status.lines)
    assert "`EST` is a fixed offset, UTC\u221205:00 all year with no daylight saving time" in text
    assert "`/papers time 09:00 America/New_York`" in text


async def test_slack_text_takes_a_zone_of_several_words(service: CommandService) -> None:
    await notice(service, "subscribe")
    reply = await notice(service, "time 07:15 sao paulo")
    assert reply.lines[0] == "Daily post: 5 papers at 07:15 `America/Sao_Paulo`, every day."


async def test_a_stored_zone_this_machine_does_not_know_is_explained(
    service: CommandService, state: State
) -> None:
    """`US/Pacific-New` left tzdata in 2020b: status and time answer, say that no post is made
    and how to set the zone again, instead of "Something went wrong"."""
    await notice(service, "subscribe")
    key = state.keys.sub(CHANNEL)
    cfg = (await state.redis.hget(key, "cfg")).replace('"tz":"UTC"', '"tz":"US/Pacific-New"')
    await state.redis.hset(key, "cfg", cfg)
    for text in ("status", "time 10:00"):
        reply = await notice(service, text)
        joined = " ".join(reply.lines)
        assert "`US/Pacific-New` is not in this server's time-zone database" in joined, reply
        assert "no daily post is made" in joined and "`/papers time " in joined
        assert "America/Los_Angeles`" in joined
        assert not any(line.startswith("Next post") for line in reply.lines)
    reply = await notice(service, "time 10:00 America/Los_Angeles")
    assert reply.lines[0] == "Daily post: 5 papers at 10:00 `America/Los_Angeles`, every day."
    assert not any("not in this server" in line for line in reply.lines)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("9:00 PM EST", "21:00"), ("9pm", "21:00"), ("9 am", "09:00"), ("9:30pm", "21:30"), ("12am", "00:00"),
     ("12pm", "12:00"), ("0900", "09:00"), ("21h", "21:00"), ("9.30", "09:30")],
)  # fmt: skip
async def test_times_as_people_type_them(service: CommandService, typed: str, shown: str) -> None:
    await notice(service, "subscribe")
    reply = await notice(service, f"time {typed}")
    assert reply.title == "Post time changed", reply
    assert reply.lines[0].startswith(f"Daily post: 5 papers at {shown} ")
    if typed != "9.30":
        assert f"`{typed.removesuffix(' EST')}` read as {shown} (24-hour clock)." in reply.lines


async def test_a_time_that_is_not_one_says_what_works(service: CommandService) -> None:
    await notice(service, "subscribe")
    for typed in ("13pm", "25:00", "0am"):
        reply = await service.run(f"time {typed}", MANAGER)
        text = " ".join(getattr(reply, "lines", ())) + str(reply)
        assert "is not a time of day" in text and "`9am`" in text, reply
