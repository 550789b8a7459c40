"""The daily post in Slack: the engine's `send` and `find_sent`, and the loop that drives the engine.

`SlackPoster.send` posts a delivery with `chat.postMessage` (Block Kit and the text fallback, link
unfurling off), one message per rendered payload, in order, and returns the first message's `ts`.
Each message carries `metadata` (event_type `papers_daily`, the delivery's idempotency key), so
`find_sent` can look in `conversations.history` whether a post that was in flight when a replica
died is already in the channel (scopes channels:history / groups:history; without them the lookup
fails and the engine sends again: at-least-once, only for such a post).

Slack errors become what the engine understands (webapi.delivery_error): a channel that is gone,
archived or closed to the app is `ChannelGone` (the channel is paused with the reason); rate limits,
5xx and network trouble are `DeliveryFailed` (retried later). 429s with a short Retry-After are
already waited out inside the client.

`daily_loop` builds the shared loop (bot.daily.loop) that runs the engine every DAILY_TICK_SECONDS
in the app's own process. Any number of replicas can run it: the engine's Redis claims make each
channel's post go out once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.webapi import delivery_error
from bot.commands.votes import VoteService
from bot.daily.delivery import Delivery
from bot.daily.engine import DailyEngine
from bot.daily.errors import ChannelGone
from bot.daily.loop import DailyLoop
from bot.render import render_slack
from bot.store import State

log = logging.getLogger(__name__)

EVENT_TYPE = "papers_daily"
HISTORY_WINDOW_SECONDS = 48 * 3600  # a claim lives 48 h: an older post cannot be this delivery
HISTORY_PAGES = 5  # 200 messages a page


class SlackPoster:
    def __init__(self, client: AsyncWebClient, votes: VoteService | None = None) -> None:
        self.client = client
        self.votes = votes  # with it, every paper gets its 👍/👎 buttons

    async def send(self, delivery: Delivery) -> str:
        papers = [entry.paper for entry in delivery.digest.entries]
        bars = await self.votes.bars(delivery.channel, papers) if self.votes is not None and papers else None
        payloads = render_slack(delivery.digest, bars)
        channel = delivery.channel.channel
        first: str | None = None
        for part, payload in enumerate(payloads, 1):
            try:
                response = await self.client.chat_postMessage(
                    channel=channel,
                    text=payload["text"],
                    blocks=payload["blocks"],
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata={
                        "event_type": EVENT_TYPE,
                        "event_payload": {
                            "key": delivery.idempotency_key,
                            "day": delivery.local_day.isoformat(),
                            "part": part,
                            "parts": len(payloads),
                        },
                    },
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = delivery_error(exc)
                if first is None or isinstance(error, ChannelGone):
                    raise error from None
                # Part 1 is out: sending the whole post again would repeat it. Record it as sent.
                log.warning("%s: part %d/%d of the daily post failed (%s); the rest is left out",
                            delivery.channel, part, len(payloads), error)  # fmt: skip
                break
            if first is None:
                first = str(response.get("ts") or "")
        assert first is not None
        return first

    async def find_sent(self, delivery: Delivery) -> str | None:
        """The ts of this delivery's first message if it is already in the channel."""
        oldest = f"{time.time() - HISTORY_WINDOW_SECONDS:.6f}"
        cursor: str | None = None
        found: tuple[int, str] | None = None
        for _ in range(HISTORY_PAGES):
            kwargs: dict[str, Any] = {"cursor": cursor} if cursor else {}
            response = await self.client.conversations_history(
                channel=delivery.channel.channel,
                oldest=oldest,
                limit=200,
                include_all_metadata=True,
                **kwargs,
            )
            for message in response.get("messages") or ():
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if (
                    metadata.get("event_type") == EVENT_TYPE
                    and payload.get("key") == delivery.idempotency_key
                ):
                    part = int(payload.get("part") or 1)
                    if found is None or part < found[0]:
                        found = (part, str(message.get("ts")))
            if found and found[0] == 1:
                break
            cursor = ((response.get("response_metadata") or {}).get("next_cursor")) or None
            if not cursor:
                break
        return found[1] if found else None


def daily_loop(state: State, client: AsyncWebClient) -> DailyLoop:
    """The shared daily loop (bot.daily.loop), posting to Slack with this module's `send`."""
    poster = SlackPoster(client, VoteService(state))
    return DailyLoop(
        engine=DailyEngine(state),
        send=poster.send,
        platform="slack",
        tick_seconds=state.settings.daily_tick_seconds,
        find_sent=poster.find_sent,
    )
