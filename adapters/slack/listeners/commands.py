"""`/papers ...`: ack at once, then answer through the command's response_url.

The ack is an empty 200 (Slack shows nothing); the answer follows as an ephemeral message, so a
slow or hanging Hugging Face never makes the user see "operation_timeout".
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from adapters.slack.context import SOMETHING_WENT_WRONG
from adapters.slack.respond import ResponseFailed
from bot.commands import parse
from bot.slack_text import user_text

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncAck, AsyncApp

    from adapters.slack.context import SlackBot

log = logging.getLogger(__name__)

COMMAND = "/papers"


def register(app: AsyncApp, bot: SlackBot) -> None:
    async def papers_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        bot.jobs.start(
            answer_command(bot, body, since=time.monotonic()), name=f"{COMMAND} by {body.get('user_id')}"
        )

    app.command(COMMAND)(papers_command)


async def answer_command(bot: SlackBot, body: dict[str, Any], *, since: float) -> None:
    response_url = body.get("response_url")
    if not response_url:
        log.warning("%s without a response_url; nothing to answer to", COMMAND)
        return
    if not await bot.first_time("command", body.get("trigger_id")):
        log.info("%s redelivered (trigger %s); already answered", COMMAND, body.get("trigger_id"))
        return
    try:
        reply = await bot.answer(
            parse(user_text(str(body.get("text") or ""))),  # Slack's entities and <links> decoded
            team=str(body.get("team_id") or ""),
            channel=str(body.get("channel_id") or ""),
            user=str(body.get("user_id") or ""),
            since=since,
        )
    except Exception:
        log.exception("%s %r failed", COMMAND, body.get("text"))
        reply = SOMETHING_WENT_WRONG
    try:
        await bot.responder.reply(response_url, reply)
    except ResponseFailed as exc:  # an expired response_url, say: nobody left to tell
        log.warning("could not answer %s: %s", COMMAND, exc)
