"""The buttons of a listing: "Post to channel" (POST_ACTION) and "More" (MORE_ACTION).

Both carry the listing's command (`ShowPapers.to_value()`) and re-run it: "Post to channel" posts
the fresh answer in the channel through the click's response_url (which works where the bot is
not a member) and removes the ephemeral preview; "More" answers the next page, ephemeral again.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from adapters.slack.context import SOMETHING_WENT_WRONG
from adapters.slack.respond import ResponseFailed
from bot.commands import Listing, Notice, ShowPapers
from bot.commands.payloads import MORE_ACTION, POST_ACTION
from bot.commands.replies import quote
from bot.slack_text import unescape

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncAck, AsyncApp

    from adapters.slack.context import SlackBot
    from bot.commands import Reply

log = logging.getLogger(__name__)


def register(app: AsyncApp, bot: SlackBot) -> None:
    async def post_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        job = answer_button(bot, body, action, share=True, since=time.monotonic())
        bot.jobs.start(job, name=f"{POST_ACTION} button")

    async def more_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        job = answer_button(bot, body, action, share=False, since=time.monotonic())
        bot.jobs.start(job, name=f"{MORE_ACTION} button")

    app.action(POST_ACTION)(post_button)
    app.action(MORE_ACTION)(more_button)


def _id(body: dict[str, Any], name: str) -> str:
    part = body.get(name)
    return str(part.get("id") or "") if isinstance(part, dict) else ""


async def answer_button(
    bot: SlackBot, body: dict[str, Any], action: dict[str, Any], *, share: bool, since: float
) -> None:
    response_url = body.get("response_url")
    if not response_url:
        log.warning("button click without a response_url; nothing to answer to")
        return
    # Our values hold no `&`, `<`, `>` (ShowPapers.to_value), so decoding is exact whether or not
    # Slack entity-escapes them on the way back, as it does the message text of the same payload.
    value = unescape(str(action.get("value") or ""))
    channel = _id(body, "channel")
    message_ts = (body.get("container") or {}).get("message_ts")
    if not await bot.first_time("action", body.get("trigger_id")):
        return
    # Two quick clicks on one preview's "Post to channel" are two deliveries: post once.
    if share and not await bot.first_time("post", channel, message_ts, value):
        return
    try:
        reply: Reply = await bot.answer(
            ShowPapers.from_value(value),
            team=_id(body, "team") or str((body.get("user") or {}).get("team_id") or ""),
            channel=channel,
            user=_id(body, "user"),
            since=since,
        )
    except Exception:
        log.exception("button %s failed", action.get("action_id"))
        reply = SOMETHING_WENT_WRONG
    try:
        if share and isinstance(reply, Listing):
            try:
                await bot.responder.reply(response_url, reply, in_channel=True)
            except ResponseFailed as exc:  # e.g. a channel where the app may not post
                log.info("could not post a listing in %s: %s", channel, exc)
                await bot.responder.reply(response_url, not_posted(str(exc)))
                return
            try:
                await bot.responder.delete_original(response_url)
            except Exception as exc:  # the post is out; a preview left behind is harmless
                log.info("could not remove the ephemeral preview: %s", exc)
        else:
            await bot.responder.reply(response_url, reply)
    except ResponseFailed as exc:
        log.warning("could not answer a button click: %s", exc)


def not_posted(reason: str) -> Notice:
    return Notice(
        "I couldn't post that in this channel",
        (f"Slack refused it: {quote(reason, 150)}. The listing above is still yours to read.",),
        tone="warning",
    )
