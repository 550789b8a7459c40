"""`/papers` slash commands, answered by the real discord.py client against the Discord stand-in."""

from __future__ import annotations

import asyncio
import time
from datetime import date

from bot.store import State
from bot.store.models import MAX_TOPICS
from tests.adapters.discord.conftest import (
    ADMIN,
    CALLBACK,
    EPHEMERAL,
    GENERAL_REF,
    LOADING,
    MANAGER,
    MEMBER,
    TODAY,
    answer,
    command,
    day_items,
    texts,
)
from tests.fakes.discord_api import DiscordStandIn, rest
from tests.fakes.discord_api import payloads as p
from tests.fakes.hf import FakeHF, Fault

SETTINGS_COMMANDS = [
    ("subscribe", p.option("topic", "diffusion")),
    ("unsubscribe", p.option("topic", "all")),
    ("time", p.option("time", "08:30"), p.option("timezone", "Europe/Berlin")),
    ("count", p.option("count", 3)),
    ("pause",),
    ("resume",),
]


def embed_chars(embed: dict) -> int:
    return sum(len(t) for t in texts({"embeds": [embed]}))


async def test_today_is_a_public_listing_of_embeds_within_discord_limits(
    standin: DiscordStandIn, bot, fake_hf: FakeHF
) -> None:
    data = await answer(await command(standin, "today", p.option("top", 10)))
    assert not data.get("flags", 0) & EPHEMERAL
    assert "Daily Papers" in data["content"] and len(data["content"]) <= rest.MESSAGE_LIMIT
    embeds = data["embeds"]
    assert [e["title"] for e in embeds] == [f"{i + 1}. Paper {i} of {TODAY}" for i in range(10)]
    assert len(embeds) <= rest.MAX_EMBEDS and sum(map(embed_chars, embeds)) <= rest.EMBED_TOTAL_LIMIT
    assert all(e["url"].startswith("https://huggingface.co/papers/") for e in embeds)
    assert all(r.status < 400 for r in standin.requests)


async def test_the_first_response_comes_within_3_s_when_hf_hangs(
    standin: DiscordStandIn, bot, fake_hf: FakeHF
) -> None:
    fake_hf.days.clear()  # nothing cached: the answer needs HF, which hangs past its timeout
    fake_hf.fail(Fault(delay=6))
    started = time.monotonic()
    sent = await command(standin, "search", p.option("query", "diffusion"))
    callback = await sent.callback(timeout=3)
    assert callback.monotonic - started < 1.5 and callback.status in (200, 204)
    assert callback.json["type"] == 5  # "thinking...", in public
    assert not callback.json.get("data", {}).get("flags", 0) & EPHEMERAL
    edit = await sent.original_edit(timeout=10)
    assert edit.status == 200
    assert "Hugging Face" in edit.json["content"] or "reach" in edit.json["content"]
    assert sent.original is not None and not sent.original["flags"] & LOADING


async def test_every_settings_command_refuses_a_non_manager_privately(
    standin: DiscordStandIn, bot, state: State
) -> None:
    for name, *options in SETTINGS_COMMANDS:
        data = await answer(await command(standin, name, *options, permissions=MEMBER))
        assert data["flags"] & EPHEMERAL, name
        assert "Manage Channels" in data["content"], name
    assert await state.subscriptions.get(GENERAL_REF) is None


async def test_a_manager_changes_the_daily_post_and_everyone_sees_it(
    standin: DiscordStandIn, bot, state: State
) -> None:
    data = await answer(await command(standin, "subscribe", permissions=MANAGER))
    assert not data.get("flags", 0) & EPHEMERAL
    assert "now gets the daily papers" in data["content"]
    await answer(
        await command(standin, "subscribe", p.option("topic", "diffusion -video"), permissions=MANAGER)
    )
    await answer(
        await command(
            standin,
            "time",
            p.option("time", "07:45"),
            p.option("timezone", "europe/berlin"),
            permissions=MANAGER,
        )
    )
    await answer(await command(standin, "count", p.option("count", 3), permissions=MANAGER))
    sub = await state.subscriptions.get(GENERAL_REF)
    assert sub is not None
    assert (sub.topics, f"{sub.post_time:%H:%M}", sub.timezone, sub.top) == (
        ("diffusion -video",),
        "07:45",
        "Europe/Berlin",
        3,
    )
    assert sub.changed_by == f"discord:{p.DEFAULT_USER_ID}"

    status = await answer(await command(standin, "status", permissions=MEMBER))
    assert status["flags"] & EPHEMERAL and "Europe/Berlin" in status["content"]
    topics = await answer(await command(standin, "topics"))
    assert "diffusion -video" in topics["content"]

    await answer(await command(standin, "pause", permissions=ADMIN))  # administrators manage every channel
    assert (await state.subscriptions.get(GENERAL_REF)).paused
    await answer(await command(standin, "unsubscribe", p.option("topic", "ALL"), permissions=MANAGER))
    assert await state.subscriptions.get(GENERAL_REF) is None


async def test_problems_are_answered_privately_with_what_would_work(standin: DiscordStandIn, bot) -> None:
    await answer(await command(standin, "subscribe", permissions=MANAGER))
    zone = await answer(
        await command(
            standin,
            "time",
            p.option("time", "09:00"),
            p.option("timezone", "Mars/Olympus"),
            permissions=MANAGER,
        )
    )
    assert zone["flags"] & EPHEMERAL and "not a time zone" in zone["content"]
    clock = await answer(await command(standin, "time", p.option("time", "25:00"), permissions=MANAGER))
    assert clock["flags"] & EPHEMERAL and "HH:MM" in clock["content"]
    day = await answer(await command(standin, "date", p.option("day", "last tuesday")))
    assert day["flags"] & EPHEMERAL and "YYYY-MM-DD" in day["content"]
    why = await answer(await command(standin, "why", p.option("paper", "not-a-paper")))
    assert why["flags"] & EPHEMERAL and "arXiv id" in why["content"]
    topic = await answer(
        await command(standin, "unsubscribe", p.option("topic", "nothing"), permissions=MANAGER)
    )
    assert topic["flags"] & EPHEMERAL and "does not follow" in topic["content"]


async def test_dates_weeks_and_help(standin: DiscordStandIn, bot, fake_hf: FakeHF) -> None:
    fake_hf.days["2025-10-14"] = day_items(date(2025, 10, 14), 3)
    day = await answer(await command(standin, "date", p.option("day", "2025-10-14"), p.option("top", 2)))
    assert [e["title"] for e in day["embeds"]] == ["1. Paper 0 of 2025-10-14", "2. Paper 1 of 2025-10-14"]
    yesterday = await answer(await command(standin, "date", p.option("day", "yesterday")))
    assert len(yesterday["embeds"]) == 3
    week = await answer(await command(standin, "week", p.option("top", 20)))
    assert len(week["embeds"]) <= rest.MAX_EMBEDS  # more papers continue in followups
    help_ = await answer(await command(standin, "help"))
    assert help_["flags"] & EPHEMERAL and "`/papers subscribe topic:" in help_["content"]
    assert "`/papers top count:10`" in help_["content"] and "/papers top 10" not in help_["content"]


async def test_a_long_listing_continues_in_followups_each_within_limits(
    standin: DiscordStandIn, bot, fake_hf: FakeHF
) -> None:
    long = " ".join(["A long abstract sentence about diffusion models and their many uses."] * 40)
    fake_hf.days[TODAY.isoformat()] = day_items(
        TODAY, 20, abstract=long, authors=[f"Author {i}" for i in range(30)]
    )
    sent = await command(standin, "today", p.option("top", 20))
    first = await answer(sent)
    followup = await sent.followup()
    assert followup.query.get("wait") in ("1", "true") and followup.status == 200
    titles = [e["title"] for e in first["embeds"]] + [e["title"] for e in followup.json["embeds"]]
    bodies = [first, followup.json]
    for body in bodies:
        assert len(body["embeds"]) <= rest.MAX_EMBEDS
        assert sum(map(embed_chars, body["embeds"])) <= rest.EMBED_TOTAL_LIMIT
    assert titles[0] == f"1. Paper 0 of {TODAY}"
    assert all(r.status < 400 for r in standin.requests)


async def test_hostile_paper_text_and_topics_cannot_mention_anyone(
    standin: DiscordStandIn, bot, fake_hf: FakeHF, state: State
) -> None:
    hostile = "@everyone @here <@123456789012345678> <@&223456789012345678> <#323456789012345678>"
    items = day_items(TODAY, 3, abstract=f"{hostile} free GPUs", authors=["@everyone", "<@&1>"])
    items[0]["title"] = items[0]["paper"]["title"] = f"{hostile} diffusion"
    fake_hf.days[TODAY.isoformat()] = items
    listing = await answer(await command(standin, "search", p.option("query", "diffusion")))
    assert "everyone" in " ".join(texts(listing))  # shown, but defused
    await answer(await command(standin, "subscribe", p.option("topic", "everyone"), permissions=MANAGER))
    await answer(
        await command(
            standin, "time", p.option("time", "09:00"), p.option("timezone", "@everyone"), permissions=MANAGER
        )
    )
    await answer(
        await command(
            standin, "unsubscribe", p.option("topic", "<@&223456789012345678>"), permissions=MANAGER
        )
    )
    await answer(await command(standin, "status"))
    # the stand-in fixture then checks allowed_mentions and every text of every message sent


async def test_commands_in_a_direct_message_are_turned_away(standin: DiscordStandIn, bot) -> None:
    sent = await standin.dispatch_interaction(
        standin.command_interaction("papers", p.subcommand("status"), guild_id=None)
    )
    data = await answer(sent)
    assert data["flags"] & EPHEMERAL and "server channel" in data["content"]


async def test_time_zone_autocomplete(standin: DiscordStandIn, bot) -> None:
    async def suggest(current: str) -> list[str]:
        sent = await standin.dispatch_interaction(
            standin.autocomplete_interaction(
                "papers",
                p.subcommand("time", p.option("time", "09:00"), p.option("timezone", current, focused=True)),
            )
        )
        callback = await sent.callback()
        assert callback.status in (200, 204) and callback.json["type"] == 8
        choices = callback.json["data"]["choices"]
        assert len(choices) <= 25 and all(c["name"].startswith(f"{c['value']} · ") for c in choices)
        return [c["value"] for c in choices]

    assert (await suggest("europe/ber"))[0] == "Europe/Berlin"
    assert (await suggest("PST"))[0] == "America/Los_Angeles"
    assert "America/New_York" in await suggest("new_y")
    assert (await suggest(""))[0] == "UTC"
    await answer(await command(standin, "subscribe", permissions=MANAGER))
    await answer(
        await command(
            standin,
            "time",
            p.option("time", "09:00"),
            p.option("timezone", "Asia/Kathmandu"),
            permissions=MANAGER,
        )
    )
    assert (await suggest(""))[0] == "Asia/Kathmandu"  # the channel's own zone first


async def test_topic_autocomplete_offers_the_channel_topics_and_all(standin: DiscordStandIn, bot) -> None:
    async def suggest(current: str) -> list[str]:
        sent = await standin.dispatch_interaction(
            standin.autocomplete_interaction(
                "papers", p.subcommand("unsubscribe", p.option("topic", current, focused=True))
            )
        )
        callback = await sent.callback()
        assert callback.json["type"] == 8
        return [c["value"] for c in callback.json["data"]["choices"]]

    assert await suggest("") == ["all"]  # not subscribed yet
    for topic in ("diffusion", "agents", '"video generation"'):
        await answer(await command(standin, "subscribe", p.option("topic", topic), permissions=MANAGER))
    assert await suggest("") == ["diffusion", "agents", '"video generation"', "all"]
    assert await suggest("VID") == ['"video generation"']
    assert MAX_TOPICS <= 25  # every topic fits Discord's 25 suggestions


async def test_each_interaction_gets_exactly_one_initial_response(standin: DiscordStandIn, bot) -> None:
    for name in ("status", "topics", "help"):
        await answer(await command(standin, name))
    callbacks = [r for r in standin.requests if r.route == CALLBACK]
    assert len(callbacks) == 3 and all(r.status in (200, 204) for r in callbacks)


async def test_an_unexpected_failure_is_still_answered(standin: DiscordStandIn, bot, monkeypatch) -> None:
    async def broken(command, caller, *, delay: float = 0.0):
        await asyncio.sleep(delay)
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.commands.service, "answer", broken)
    quick = await answer(await command(standin, "status"))
    assert quick["flags"] & EPHEMERAL and "went wrong" in quick["content"]

    monkeypatch.setattr(bot.commands.service, "answer", lambda c, who: broken(c, who, delay=1.2))
    sent = await command(standin, "today")
    assert (await sent.callback()).json["type"] == 5
    edit = await sent.original_edit()
    assert "went wrong" in edit.json["content"] and "Traceback" not in edit.json["content"]
