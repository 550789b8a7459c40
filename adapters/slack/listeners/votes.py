"""The 👍/👎 buttons under each paper (action ids `papers_vote_up` / `papers_vote_down`).

Acked at once; the job checks and stores the vote through the core's VoteService. Refusals (a
forged, stale or foreign value, a value that is not on the clicked message, Redis down) are told
to the voter alone. A counted vote relabels the message's buttons with the channel's counts, at
most once per message per `Coalescer` interval and with the counts read when the edit runs:
`chat.update` for a message in the channel (a daily post, a posted listing; Slack sends the
message's blocks with the click), or the click's response_url if `chat.update` may not edit it.
An ephemeral listing is not sent back with the click, so its buttons cannot be relabelled: the
voter gets an ephemeral confirmation with the counts instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from adapters.slack.respond import ResponseFailed
from bot.commands.votes import Turn, counted_notice
from bot.render.votes import VOTE_ACTIONS, slack_paper_ids, slack_relabelled, slack_vote_values
from bot.slack_text import unescape
from bot.store import ChannelRef

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncAck, AsyncApp

    from adapters.slack.context import SlackBot

log = logging.getLogger(__name__)

PLATFORM = "slack"


def register(app: AsyncApp, bot: SlackBot) -> None:
    async def vote_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        turn = _turn(bot, body)  # before any await: the voter's clicks are stored in the order they came
        try:
            await ack()
        except BaseException:
            if turn is not None:
                turn.end()
            raise
        bot.jobs.start(answer_vote(bot, body, action, turn), name="vote button")

    app.action(VOTE_ACTIONS)(vote_button)


def _id(body: dict[str, Any], name: str) -> str:
    part = body.get(name)
    return str(part.get("id") or "") if isinstance(part, dict) else ""


def _where(body: dict[str, Any]) -> tuple[str, str, str]:
    """(team, channel, user) of a click; "" for what it lacks."""
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    team = _id(body, "team") or str(user.get("team_id") or "")
    return team, _id(body, "channel") or str(container.get("channel_id") or ""), _id(body, "user")


def _turn(bot: SlackBot, body: dict[str, Any]) -> Turn | None:
    team, channel, user = _where(body)
    return bot.votes.turn(ChannelRef(PLATFORM, team, channel), f"{PLATFORM}:{user}") if user else None


async def answer_vote(
    bot: SlackBot, body: dict[str, Any], action: dict[str, Any], turn: Turn | None = None
) -> None:
    try:
        await _answer_vote(bot, body, action, turn)
    finally:
        if turn is not None:
            turn.end()


async def _answer_vote(
    bot: SlackBot, body: dict[str, Any], action: dict[str, Any], turn: Turn | None
) -> None:
    response_url = str(body.get("response_url") or "")
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    team, channel, user = _where(body)
    if not (team and channel and user and response_url):
        log.warning("a vote click without team, channel, user or response_url; ignored")
        return
    if not await bot.first_time("vote", body.get("trigger_id")):  # a redelivery must not toggle twice
        return
    message = body.get("message") if isinstance(body.get("message"), dict) else None
    blocks = message.get("blocks") if message and isinstance(message.get("blocks"), list) else None
    ref = ChannelRef(PLATFORM, team, channel)
    # Our values hold no `&`, `<`, `>`: decoding is exact whether or not Slack entity-escapes them.
    value = unescape(str(action.get("value") or ""))
    answer = await bot.votes.cast(
        ref,
        f"{PLATFORM}:{user}",
        value,
        shown=slack_vote_values(blocks) if blocks is not None else None,
        turn=turn,
    )
    try:
        if answer.notice is not None:
            await bot.responder.reply(response_url, answer.notice)
        elif message is None or blocks is None:
            assert answer.result is not None
            await bot.responder.reply(response_url, counted_notice(answer.result))
        else:
            ts = str(container.get("message_ts") or message.get("ts") or "")
            text = str(message.get("text") or "Daily Papers")

            async def relabel() -> None:
                await _relabel(bot, ref, ts, text, blocks, response_url)

            bot.vote_edits.request(f"{PLATFORM}:{channel}:{ts}", relabel)
    except ResponseFailed as exc:
        log.warning("could not answer a vote click: %s", exc)


async def _relabel(
    bot: SlackBot, ref: ChannelRef, ts: str, text: str, blocks: list[dict[str, Any]], response_url: str
) -> None:
    counts = await bot.votes.counts(ref, slack_paper_ids(blocks))
    relabelled = slack_relabelled(blocks, counts)
    try:
        await bot.client.chat_update(channel=ref.channel, ts=ts, text=text, blocks=relabelled)
    except SlackApiError as exc:  # e.g. a listing posted through a response_url: edit it through one
        log.info("chat.update refused (%s); relabelling through the response_url", exc.response.get("error"))
        await bot.responder.post(response_url, {"replace_original": True, "text": text, "blocks": relabelled})
