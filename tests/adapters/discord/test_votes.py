"""👍/👎 end to end on Discord: the real discord.py client against the stand-in's gateway and REST
API (component interactions, @original edits, followups), real Redis, the fake HF API."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.discord.app import PapersBot, daily_loop
from bot.render.votes import DISCORD_PAPERS_PER_ROW
from bot.settings import Settings
from bot.store import State, Tally, Vote
from tests.adapters.discord.conftest import GENERAL_REF, NOW, PAPERS, PAPERS_REF, answer, command
from tests.fakes.discord_api import DiscordStandIn
from tests.fakes.discord_api import payloads as p

pytestmark = pytest.mark.timeout(30)
DEFERRED_UPDATE = 6
EPHEMERAL = 1 << 6


def vote_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("components") or () for b in row["components"]]


async def listing(standin: DiscordStandIn, top: int = 3) -> dict[str, Any]:
    """`/papers top N` in #general: the answer as the stand-in holds the message."""
    sent = await command(standin, "top", p.option("count", top))
    await answer(sent)
    assert sent.original is not None
    return sent.original


async def click(
    standin: DiscordStandIn, message: dict[str, Any], custom_id: str, user: int = 7, **kw: Any
) -> Any:
    who = p.UserSpec(user, f"user{user}")
    return await standin.dispatch_interaction(
        standin.component_interaction(message, custom_id, user=who, **kw)
    )


async def test_listing_has_a_like_and_dislike_button_per_paper(
    standin: DiscordStandIn, bot: PapersBot
) -> None:
    message = await listing(standin, 5)
    rows = message["components"]
    assert [len(r["components"]) for r in rows] == [4, 4, 2]  # two papers a row, 5 rows at most
    labels = [(b["emoji"]["name"], b["label"]) for b in vote_buttons(message)]
    assert labels[:4] == [("👍", "#1 · 0"), ("👎", "#1 · 0"), ("👍", "#2 · 0"), ("👎", "#2 · 0")]
    assert all(len(b["custom_id"]) <= 100 for b in vote_buttons(message))
    assert DISCORD_PAPERS_PER_ROW == 2


async def test_clicks_are_deferred_stored_and_the_message_relabelled_coalesced(
    standin: DiscordStandIn, bot: PapersBot, state: State
) -> None:
    assert bot.vote_clicks is not None
    bot.vote_clicks.edits.interval = 0.4
    message = await listing(standin)
    like = vote_buttons(message)[0]["custom_id"]
    sent = await asyncio.gather(*(click(standin, message, like, user=100 + i) for i in range(20)))
    callbacks = await asyncio.gather(*(s.callback() for s in sent))
    assert {c.json["type"] for c in callbacks} == {DEFERRED_UPDATE}  # within Discord's 3 s, no change yet
    await asyncio.sleep(0.1)
    await bot.vote_clicks.edits.drain()
    edits = [r for r in standin.requests if r.method == "PATCH" and r.params.get("message_id") == "@original"]
    assert 1 <= len(edits) <= 4, len(edits)  # not one edit per click
    assert vote_buttons(edits[-1].json)[0]["label"] == "#1 · 20"
    assert vote_buttons(message)[0]["label"] == "#1 · 20"  # the message itself now shows it
    assert message["embeds"] and message["content"]  # only the buttons changed
    paper = (await state.votes.profile(GENERAL_REF)).examples[0].paper_id
    assert await state.votes.counts(GENERAL_REF, [paper]) == {paper: Tally(20, 0)}


async def test_a_second_click_takes_the_vote_back(
    standin: DiscordStandIn, bot: PapersBot, state: State
) -> None:
    assert bot.vote_clicks is not None
    bot.vote_clicks.edits.interval = 0.05
    message = await listing(standin, 1)
    like, dislike = (b["custom_id"] for b in vote_buttons(message))
    for custom_id in (like, dislike, dislike):
        await (await click(standin, message, custom_id)).callback()
        await asyncio.sleep(0.05)
        await bot.vote_clicks.edits.drain()
    [example_paper] = {b["custom_id"].split("|")[2] for b in vote_buttons(message)}
    assert await state.votes.mine(GENERAL_REF, example_paper, "discord:7") is Vote.NONE
    assert [b["label"] for b in vote_buttons(message)] == ["#1 · 0", "#1 · 0"]


async def test_a_button_replayed_elsewhere_or_edited_counts_nowhere(
    standin: DiscordStandIn, bot: PapersBot, state: State
) -> None:
    message = await listing(standin, 2)
    like = vote_buttons(message)[0]["custom_id"]
    paper = like.split("|")[2]
    elsewhere = await click(standin, message, like, channel_id=PAPERS)  # signed for #general
    followup = await elsewhere.followup()
    assert followup.json["flags"] & EPHEMERAL and "no longer works" in followup.json["content"]
    # A custom_id that is not on the message: discord.py itself drops it (DynamicItem dispatch only
    # looks at the message's own components), so it reaches nothing and stores nothing.
    edited = await click(standin, message, like.replace(paper, "2510.99999"))
    await asyncio.sleep(0.3)
    assert edited.state.callback is None
    papers_ref = GENERAL_REF.__class__("discord", GENERAL_REF.team, str(PAPERS))
    for ref in (GENERAL_REF, papers_ref):
        assert not await state.votes.profile(ref)
        assert (await state.votes.taught(ref)).votes == 0


async def test_votes_subcommand_lists_what_the_channel_taught(
    standin: DiscordStandIn, bot: PapersBot, state: State
) -> None:
    assert bot.vote_clicks is not None
    message = await listing(standin, 2)
    buttons = vote_buttons(message)
    await (await click(standin, message, buttons[0]["custom_id"])).callback()
    await (await click(standin, message, buttons[3]["custom_id"])).callback()
    await standin.wait_for(  # the defer is answered at once; the vote is stored, then shown, after it
        lambda r: (
            r.method == "PATCH"
            and r.params.get("message_id") == "@original"
            and any(b["label"] == "#2 · 1" for b in vote_buttons(r.json if isinstance(r.json, dict) else {}))
        )
    )
    await bot.vote_clicks.edits.drain()
    taught = await answer(await command(standin, "votes"))
    assert taught["flags"] & EPHEMERAL
    assert "👍 Liked \\(1\\)" in taught["content"] and "👎 Disliked \\(1\\)" in taught["content"]  # escaped
    refused = await answer(await command(standin, "forget"))  # a member without Manage Channels
    assert "Only people who manage this channel can forget its votes" in refused["content"]
    assert await state.votes.profile(GENERAL_REF)


async def test_the_daily_post_has_a_button_pair_per_paper(
    standin: DiscordStandIn, bot: PapersBot, state: State, settings: Settings
) -> None:
    await state.subscriptions.configure(PAPERS_REF, by="discord:1", post_time="00:00", timezone="UTC", top=12)
    loop = daily_loop(settings, state, bot, clock=lambda: NOW)
    assert (await loop.run_once()).posted == 1
    creates = standin.message_creates(PAPERS)
    assert len(creates) == 2  # 12 papers: more than one message holds (embeds)
    labels = []
    for create in creates:
        rows = create.json["components"]
        assert len(rows) <= 5 and all(len(r["components"]) <= 5 for r in rows)
        buttons = [b for r in rows for b in r["components"]]
        assert len(buttons) == 2 * len(create.json["embeds"])
        labels += [b["label"] for b in buttons[::2]]
    assert labels == [f"#{i} · 0" for i in range(1, 13)]


async def test_a_redis_outage_during_a_vote_is_told_and_counts_nothing(
    standin: DiscordStandIn, bot: PapersBot, state: State
) -> None:
    message = await listing(standin, 1)
    like = vote_buttons(message)[0]["custom_id"]
    await state.redis.execute_command("CLIENT", "PAUSE", "3000", "WRITE")  # Redis takes no write for 3 s
    try:
        sent = await click(standin, message, like)
        assert (await sent.callback()).json["type"] == DEFERRED_UPDATE  # acknowledged in time anyway
        followup = await sent.followup(timeout=6.0)
    finally:
        await state.redis.execute_command("CLIENT", "UNPAUSE")
    assert followup.json["flags"] & EPHEMERAL and "did not count" in followup.json["content"]
    assert (await state.votes.taught(GENERAL_REF)).votes == 0
    assert vote_buttons(message)[0]["label"] == "#1 · 0"
