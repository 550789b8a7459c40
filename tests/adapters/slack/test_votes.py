"""👍/👎 end to end on Slack: signed block_actions through the real Bolt app, the fake Web API's
chat.update and response_urls, real Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from adapters.slack.runtime import Runtime
from bot.commands.payloads import POST_ACTION
from bot.render.votes import BLOCK_PREFIX, DISLIKE_ACTION, LIKE_ACTION
from bot.store import ChannelRef, Tally, Vote
from tests.adapters.slack.conftest import buttons
from tests.adapters.slack.test_commands import ACK_LIMIT, answers, settled
from tests.adapters.slack.test_daily import loop_for, subscribe
from tests.fakes.slack_api import FakeSlack, Reply
from tests.fakes.slack_requests import CHANNEL, TEAM, USER, SlackSender

HERE = ChannelRef("slack", TEAM, CHANNEL)
pytestmark = pytest.mark.timeout(30)


def vote_blocks(payload: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """paper id -> {action_id: button} of every vote block in a message."""
    return {
        block["block_id"][len(BLOCK_PREFIX) :]: {e["action_id"]: e for e in block["elements"]}
        for block in payload["blocks"]
        if block.get("block_id", "").startswith(BLOCK_PREFIX)
    }


def labels(blocks: list[dict[str, Any]], paper: str) -> tuple[str, str]:
    bar = vote_blocks({"blocks": blocks})[paper]
    return bar[LIKE_ACTION]["text"]["text"], bar[DISLIKE_ACTION]["text"]["text"]


async def posted_listing(sender: SlackSender, fake: FakeSlack) -> dict[str, Any]:
    """`/papers top 3`, then "Post to channel": the listing as it is in the channel."""
    await sender.command("top 3", name="preview")
    [preview] = await answers(fake, "preview")
    await sender.click(buttons(preview)[POST_ACTION], name="share")
    posted, _ = await answers(fake, "share", count=2)
    return posted


async def test_every_listed_paper_has_votes_and_an_ephemeral_vote_is_confirmed(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    await sender.command("top 3", name="list")
    [listing] = await answers(fake_slack, "list")  # answers() validates every block as Slack would
    bars = vote_blocks(listing)
    assert list(bars) == [item["paper"]["id"] for item in papers_today[:3]]  # the top 3, in order
    paper, bar = next(iter(bars.items()))
    assert bar[LIKE_ACTION]["text"] == {"type": "plain_text", "text": "👍 0", "emoji": True}
    sent = await sender.click(bar[LIKE_ACTION], name="vote")
    assert sent.status == 200 and sent.seconds < ACK_LIMIT
    [confirm] = await answers(fake_slack, "vote")
    assert confirm["response_type"] == "ephemeral" and "👍 counted" in confirm["text"]
    assert "👍 1 · 👎 0" in confirm["text"]
    assert await slack.state.votes.counts(HERE, [paper]) == {paper: Tally(1, 0)}


async def test_votes_on_a_channel_message_relabel_it_coalesced(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    slack.bot.vote_edits.interval = 0.4
    posted = await posted_listing(sender, fake_slack)
    message = {"text": posted["text"], "blocks": posted["blocks"]}
    paper, bar = next(iter(vote_blocks(posted).items()))
    # a hundred people click 👍 at once, one of them twice (taking it back)
    clicks = [sender.click(bar[LIKE_ACTION], name=f"c{i}", user=f"U{i}", message=message, message_ts="9.9")
              for i in range(100)]  # fmt: skip
    await asyncio.gather(*clicks)
    await sender.click(bar[LIKE_ACTION], name="again", user="U0", message=message, message_ts="9.9")
    await settled(slack, fake_slack)
    await slack.bot.vote_edits.drain()
    updates = fake_slack.calls_to("chat.update")
    assert 1 <= len(updates) <= 4, len(updates)  # coalesced: not one edit per click
    last = updates[-1].params
    assert last["channel"] == CHANNEL and last["ts"] == "9.9"
    assert labels(last["blocks"], paper) == ("👍 99", "👎 0")  # the final counts
    assert last["text"] == posted["text"]
    assert [b for b in last["blocks"] if not b.get("block_id", "").startswith(BLOCK_PREFIX)] == [
        b for b in posted["blocks"] if not b.get("block_id", "").startswith(BLOCK_PREFIX)
    ]  # only the buttons changed
    for i in range(100):
        assert fake_slack.responses_to(f"c{i}") == []  # the counts say it: no ephemeral noise
    assert await slack.state.votes.mine(HERE, paper, "slack:U0") is Vote.NONE


async def test_changing_a_vote_moves_it(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    slack.bot.vote_edits.interval = 0.05
    posted = await posted_listing(sender, fake_slack)
    message = {"text": posted["text"], "blocks": posted["blocks"]}
    paper, bar = next(iter(vote_blocks(posted).items()))
    await sender.click(bar[LIKE_ACTION], name="up", message=message)
    await sender.click(bar[DISLIKE_ACTION], name="down", message=message)
    await settled(slack, fake_slack)
    await slack.bot.vote_edits.drain()
    assert labels(fake_slack.calls_to("chat.update")[-1].params["blocks"], paper) == ("👍 0", "👎 1")
    profile = await slack.state.votes.profile(HERE)
    assert [(e.paper_id, e.vote) for e in profile.examples] == [(paper, -1)]
    assert "Paper 0" in profile.examples[0].title  # the card came from the HF list


async def test_a_button_replayed_in_another_channel_or_edited_counts_nowhere(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    await sender.command("top 2", name="list")
    [listing] = await answers(fake_slack, "list")
    paper, bar = next(iter(vote_blocks(listing).items()))
    await sender.click(bar[LIKE_ACTION], name="elsewhere", channel="C2")
    forged = {**bar[LIKE_ACTION], "value": bar[LIKE_ACTION]["value"].replace(paper, "2510.99999")}
    await sender.click(forged, name="forged")
    flipped = {**bar[LIKE_ACTION], "value": bar[LIKE_ACTION]["value"].replace("|u|", "|d|")}
    await sender.click(flipped, name="flipped")
    await sender.click({**bar[LIKE_ACTION], "value": "<!channel>"}, name="junk")
    for name in ("elsewhere", "forged", "flipped", "junk"):
        [notice] = await answers(fake_slack, name)
        assert notice["response_type"] == "ephemeral" and "no longer works" in notice["text"], name
        assert "<!channel>" not in notice["text"]
    for channel in (HERE, ChannelRef("slack", TEAM, "C2")):
        assert not await slack.state.votes.profile(channel)
        assert await slack.state.votes.taught(channel) == type(await slack.state.votes.taught(channel))()


async def test_a_vote_not_on_the_clicked_message_is_refused(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    await sender.command("top 3", name="list")
    [listing] = await answers(fake_slack, "list")
    bars = list(vote_blocks(listing).values())
    other = {"text": "x", "blocks": [b for b in listing["blocks"] if vote_blocks({"blocks": [b]}) and
                                      b["elements"][0]["value"] != bars[0][LIKE_ACTION]["value"]]}  # fmt: skip
    await sender.click(bars[0][LIKE_ACTION], name="stray", message=other)
    [notice] = await answers(fake_slack, "stray")
    assert "does not match this message" in notice["text"]
    assert fake_slack.calls_to("chat.update") == []
    assert not await slack.state.votes.profile(HERE)


async def test_a_redis_outage_during_a_vote_is_told_and_counts_nothing(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime, redis_client: Redis
) -> None:
    await sender.command("top 1", name="list")
    [listing] = await answers(fake_slack, "list")
    [(paper, bar)] = vote_blocks(listing).items()
    await redis_client.execute_command("CLIENT", "PAUSE", "3000", "WRITE")  # Redis takes no write for 3 s
    try:
        await sender.click(bar[LIKE_ACTION], name="down")
        [notice] = await answers(fake_slack, "down", within=6.0)
    finally:
        await redis_client.execute_command("CLIENT", "UNPAUSE")
    assert notice["response_type"] == "ephemeral" and "did not count" in notice["text"]
    assert await slack.state.votes.counts(HERE, [paper]) == {paper: Tally()}


async def test_votes_and_forget_subcommands(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    await sender.command("top 2", name="list")
    [listing] = await answers(fake_slack, "list")
    bars = list(vote_blocks(listing).values())
    await sender.click(bars[0][LIKE_ACTION], name="v1")
    await sender.click(bars[1][DISLIKE_ACTION], name="v2")
    await answers(fake_slack, "v2")
    await sender.command("votes", name="taught")
    [taught] = await answers(fake_slack, "taught")
    assert "👍 Liked (1)" in taught["text"] and "👎 Disliked (1)" in taught["text"]
    assert "Paper 0" in taught["text"] and "&lt;!channel&gt;" in str(taught["blocks"])  # escaped: no ping
    await sender.command("forget", name="forget")
    [forgot] = await answers(fake_slack, "forget")
    assert "Forgot this channel's 2 votes" in forgot["text"]
    assert not await slack.state.votes.profile(HERE)


async def test_the_daily_post_has_votes_and_a_vote_relabels_it(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    slack.bot.vote_edits.interval = 0.05
    await subscribe(slack, top=3)
    assert (await loop_for(slack).run_once()).posted == 1
    [post] = fake_slack.posted(CHANNEL)
    bars = vote_blocks(post.params)
    assert list(bars) == [item["paper"]["id"] for item in papers_today[:3]]
    ts = fake_slack.history[CHANNEL][0]["ts"]
    paper, bar = next(iter(bars.items()))
    message = {"text": post.params["text"], "blocks": post.params["blocks"]}
    await sender.click(bar[DISLIKE_ACTION], name="down", message=message, message_ts=ts)
    await settled(slack, fake_slack)
    await slack.bot.vote_edits.drain()
    [update] = fake_slack.calls_to("chat.update")
    assert update.params["ts"] == ts and labels(update.params["blocks"], paper) == ("👍 0", "👎 1")
    assert [(e.paper_id, e.vote) for e in (await slack.state.votes.profile(HERE)).examples] == [(paper, -1)]


async def test_a_redelivered_click_counts_once(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    await sender.command("top 1", name="list")
    [listing] = await answers(fake_slack, "list")
    [(paper, bar)] = vote_blocks(listing).items()
    body: list[str] = []
    await sender.click(bar[LIKE_ACTION], name="vote", body=body)
    await answers(fake_slack, "vote")
    again = await sender.post(body[0], retry_num=1)  # Slack thought the ack was late
    assert again.status == 200
    await settled(slack, fake_slack)
    assert len(fake_slack.responses_to("vote")) == 1  # answered once
    assert await slack.state.votes.mine(HERE, paper, f"slack:{USER}") is Vote.LIKE  # not toggled back


async def test_a_message_chat_update_may_not_edit_is_relabelled_through_the_response_url(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    slack.bot.vote_edits.interval = 0.05
    posted = await posted_listing(sender, fake_slack)
    paper, bar = next(iter(vote_blocks(posted).items()))
    fake_slack.fail("chat.update", Reply.error("cant_update_message"))
    message = {"text": posted["text"], "blocks": posted["blocks"]}
    await sender.click(bar[LIKE_ACTION], name="vote", message=message)
    [edit] = await answers(fake_slack, "vote")
    assert edit["replace_original"] is True and labels(edit["blocks"], paper) == ("👍 1", "👎 0")
    assert edit["text"] == posted["text"]
