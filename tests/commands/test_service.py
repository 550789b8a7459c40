"""Every command answered end to end: real Redis, the local fake HF API, no mocks of our code."""

from __future__ import annotations

from datetime import date

import pytest
from redis.asyncio import Redis

from bot.commands import Caller, CommandService, Listing, Notice, ShowPapers
from bot.store import ChannelRef, build_state
from bot.store.embedded import free_port
from tests.commands.conftest import CHANNEL, MANAGER, MEMBER, NOW, TODAY
from tests.conftest import HF_DAILY_DAYS, load_real_day
from tests.factories import api_item
from tests.fakes.hf import FakeHF, Fault

YESTERDAY = "2025-10-14"


def day_items(day: date, n: int, prefix: str = "2510") -> list[dict]:
    return [
        api_item(f"{prefix}.{day.day:02d}{i:03d}", title=f"Paper {i} of {day}", upvotes=100 - i, day=day)
        for i in range(n)
    ]


async def listing(service: CommandService, text: str) -> Listing:
    reply = await service.run(text, MEMBER)
    assert isinstance(reply, Listing), reply
    return reply


async def notice(service: CommandService, text: str, caller=MANAGER) -> Notice:
    reply = await service.run(text, caller)
    assert isinstance(reply, Notice), reply
    return reply


async def test_papers_shows_today_top_five_with_more(service: CommandService, fake_hf: FakeHF) -> None:
    fake_hf.days[TODAY.isoformat()] = day_items(TODAY, 12)
    reply = await listing(service, "")
    assert reply.digest.day == TODAY and reply.note is None
    assert [e.paper.title for e in reply.digest.entries] == [f"Paper {i} of {TODAY}" for i in range(5)]
    assert reply.more == ShowPapers(offset=5)
    page3 = await service.answer(ShowPapers(offset=10), MEMBER)
    assert isinstance(page3, Listing) and len(page3.digest.entries) == 2 and page3.more is None


async def test_empty_today_falls_back_to_latest_day_and_says_so(
    service: CommandService, fake_hf: FakeHF
) -> None:
    fake_hf.days[YESTERDAY] = day_items(date(2025, 10, 14), 3)
    reply = await listing(service, "top 2")
    assert reply.digest.day == date(2025, 10, 14) and len(reply.digest.entries) == 2
    assert reply.note == "Today's list is still empty; showing Tue 14 Oct 2025."


async def test_dates_yesterday_and_impossible_days(service: CommandService, fake_hf: FakeHF) -> None:
    fake_hf.days[YESTERDAY] = day_items(date(2025, 10, 14), 3)
    assert (await listing(service, "yesterday")).digest.day == date(2025, 10, 14)
    assert (await listing(service, YESTERDAY)).digest.total == 3
    assert "in the future" in (await notice(service, "2025-12-01")).title
    assert "started on" in (await notice(service, "2021-01-01")).lines[0]
    weekend = await notice(service, "2025-10-11")
    assert weekend.title == "No papers listed for Sat 11 Oct 2025" and "weekends" in weekend.lines[0]


async def test_topic_search_and_bad_queries(service: CommandService, fake_hf: FakeHF) -> None:
    items = day_items(TODAY, 4)
    items[2]["paper"]["title"] = items[2]["title"] = "Fast Diffusion Sampling"
    fake_hf.days[TODAY.isoformat()] = items
    reply = await listing(service, "diffusion")
    assert [e.paper.title for e in reply.digest.entries] == ["Fast Diffusion Sampling"]
    assert reply.digest.topics == ("diffusion",)
    assert (await listing(service, "search nothing-matches-this")).digest.entries == ()
    bad = await notice(service, 'search "unclosed')
    assert bad.tone == "warning" and bad.lines


async def test_week_merges_days_without_repeats(service: CommandService, fake_hf: FakeHF) -> None:
    fake_hf.days[TODAY.isoformat()] = day_items(TODAY, 3)
    monday = day_items(date(2025, 10, 13), 3)
    monday.append(api_item("2510.19999", title="Listed twice", day=date(2025, 10, 13)))
    fake_hf.days["2025-10-13"] = monday
    fake_hf.days[TODAY.isoformat()].append(api_item("2510.19999", title="Listed twice", upvotes=1, day=TODAY))
    reply = await listing(service, "week top 20")
    ids = [e.paper.id for e in reply.digest.entries]
    assert len(ids) == len(set(ids)) == 7
    assert reply.note and reply.note.startswith("The week's papers: Thu 9 Oct 2025 to Wed 15 Oct 2025")


async def test_hf_down_without_a_copy_says_so(service: CommandService, fake_hf: FakeHF) -> None:
    fake_hf.fail(*[Fault(503)] * 20)
    reply = await notice(service, "2025-10-14")
    assert reply.title == "Hugging Face is not answering right now"


async def test_members_cannot_change_settings(service: CommandService) -> None:
    for text in (
        "subscribe",
        "subscribe diffusion",
        "unsubscribe all",
        "time 10:00",
        "count 3",
        "pause",
        "resume",
    ):
        reply = await notice(service, text, caller=MEMBER)
        assert reply.title == "Only people who manage this channel can change its daily post"
        assert "workspace admin" in reply.lines[0]
    forget = await notice(service, "forget", caller=MEMBER)  # its own refusal, from SUBCOMMANDS
    assert forget.title == "Only people who manage this channel can forget its votes"
    assert (await notice(service, "status", caller=MEMBER)).title == "This channel has no daily post"


async def test_subscription_lifecycle(service: CommandService) -> None:
    first = await notice(service, "subscribe")
    assert first.title == "This channel now gets the daily papers" and first.tone == "ok"
    assert first.lines[0] == "Daily post: 5 papers at 09:00 `UTC`, every day."
    assert (
        await notice(service, 'subscribe "efficient inference"')
    ).title == 'Now following `"efficient inference"`'
    assert (await notice(service, "subscribe diffusion")).title == "Now following `diffusion`"
    assert (await notice(service, "subscribe DIFFUSION")).title == "Already following `DIFFUSION`"
    topics = await notice(service, "topics", caller=MEMBER)
    assert topics.lines == ('`"efficient inference"`', "`diffusion`")
    timed = await notice(service, "time 18:30 Europe/Berlin")
    assert timed.lines[0] == "Daily post: 5 papers at 18:30 `Europe/Berlin`, every day."
    assert (await notice(service, "count 8")).lines[0].startswith("Daily post: 8 papers")
    assert (await notice(service, "unsubscribe diffusion")).lines[1] == 'Topics: `"efficient inference"`.'
    paused = await notice(service, "pause")
    assert paused.lines[-1].startswith("Paused: `paused by slack:UADMIN`")
    status = await notice(service, "status", caller=MEMBER)
    assert "Next post" not in " ".join(status.lines)
    assert "Last changed by `slack:UADMIN`" in status.lines[-1]
    await notice(service, "resume")
    status = await notice(service, "status", caller=MEMBER)
    assert "Next post: Wed 15 Oct 2025 18:30 (`Europe/Berlin`)." in status.lines
    assert "Last post: none yet." in status.lines
    assert (await notice(service, "unsubscribe all")).title == "Daily post stopped"
    assert (await notice(service, "unsubscribe all")).title == "This channel has no daily post"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("time 25:00", "25:00"),
        ("time 09:00 Mars/Olympus", "Mars/Olympus"),
        ("subscribe " + "x" * 101, "the limit is 100"),
        ("subscribe -video", "exclu"),
    ],
)
async def test_bad_settings_get_a_clear_answer_and_change_nothing(
    service: CommandService, state, text: str, fragment: str
) -> None:
    await notice(service, "subscribe")
    reply = await notice(service, text)
    assert reply.tone == "warning" and fragment in " ".join(reply.lines)
    sub = await state.subscriptions.get(CHANNEL)
    assert sub is not None and sub.topics == () and sub.post_time.hour == 9


async def test_topic_limit_is_enforced(service: CommandService) -> None:
    for i in range(25):
        await notice(service, f"subscribe topic{i}")
    reply = await notice(service, "subscribe one-too-many")
    assert "at most 25 topics" in reply.lines[0]


async def test_settings_need_a_subscription_first(service: CommandService) -> None:
    for text in ("time 10:00", "count 3", "pause", "unsubscribe diffusion"):
        assert (await notice(service, text)).title == "This channel has no daily post"


@pytest.mark.skipif(not HF_DAILY_DAYS, reason="../shared/hf-daily is not present")
async def test_why_explains_a_real_paper(service: CommandService, fake_hf: FakeHF) -> None:
    fake_hf.days["2025-10-15"] = load_real_day("2025-10-15")
    reply = await notice(service, "why 2510.12586")
    assert reply.title.startswith("Why `Advancing End-to-End Pixel Space")
    assert reply.lines[0].startswith("#") and " of 26 on Wed 15 Oct 2025, score " in reply.lines[0]
    assert any("upvotes" in line for line in reply.lines[1:])
    await notice(service, "subscribe agents")
    skipped = await notice(service, "why 2510.12586")
    assert "matches none of this channel's topics" in skipped.lines[1]


async def test_why_unknown_paper(service: CommandService) -> None:
    reply = await notice(service, "why 2510.99999")
    assert reply.title == "`2510.99999` is not on the lists of the last 7 days"


async def test_help_and_typos(service: CommandService) -> None:
    assert (await notice(service, "help")).lines[0].startswith("`/papers` the latest day's top 5")
    typo = await notice(service, "subscibe diffusion")
    assert typo.lines[:2] == ("I don't know `subscibe`.", "Did you mean `/papers subscribe diffusion`?")
    on_discord = Caller(ChannelRef("discord", "G1", "C1"), "discord:1", can_manage=True)
    bad_time = await notice(service, "time", on_discord)
    assert "Did you mean `/papers time time:09:00 timezone:Europe/Berlin`?" in bad_time.lines
    assert any("`/papers top count:10`" in line for line in bad_time.lines)


async def test_storage_down_is_a_friendly_answer(settings, hf_source) -> None:
    dead = Redis.from_url(
        f"redis://127.0.0.1:{free_port()}", decode_responses=True, socket_connect_timeout=0.5
    )
    state = build_state(dead, settings, hf_source.fetch_day)
    try:
        reply = await CommandService(state, clock=lambda: NOW).run("subscribe", MANAGER)
    finally:
        await dead.aclose()
    assert reply == Notice(
        "I can't reach my storage right now",
        (
            "Nothing was changed. Please try again in a minute; if it keeps happening, tell whoever runs papers-bot.",
        ),
        tone="error",
    )
