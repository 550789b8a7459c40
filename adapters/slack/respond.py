"""A command's Reply as messages to its `response_url` (what Bolt's `respond()` posts to).

Same request as Bolt's `respond()`, but on the process's shared aiohttp session, so answers reuse
connections to Slack instead of opening (and TLS-handshaking) a new one per message. A response_url
takes up to 5 messages within 30 minutes; a reply is at most a few payloads.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.webapi import retry_handlers
from bot.commands import Listing, Reply
from bot.commands.payloads import slack_reply

log = logging.getLogger(__name__)


class ResponseFailed(Exception):
    """Slack refused a response_url message (expired URL, bad blocks, ...)."""


class Responder:
    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self.session = session

    async def post(self, response_url: str, body: dict[str, Any]) -> None:
        client = AsyncWebhookClient(url=response_url, session=self.session, retry_handlers=retry_handlers())
        response = await client.send_dict(body)
        if response.status_code != 200:
            raise ResponseFailed(f"response_url answered {response.status_code}: {response.body[:200]}")

    async def reply(
        self,
        response_url: str,
        reply: Reply,
        *,
        in_channel: bool = False,
        shareable: bool | None = None,
    ) -> None:
        """Post `reply`: ephemeral (only the user sees it) unless `in_channel`.

        Listings shown to one user carry "Post to channel" (`shareable`, the default for them).
        """
        if shareable is None:
            shareable = isinstance(reply, Listing) and not in_channel
        for payload in slack_reply(reply, shareable=shareable):
            await self.post(
                response_url,
                {
                    "text": payload["text"],
                    "blocks": payload["blocks"],
                    "response_type": "in_channel" if in_channel else "ephemeral",
                    "replace_original": False,
                    "unfurl_links": False,
                    "unfurl_media": False,
                },
            )

    async def delete_original(self, response_url: str) -> None:
        """Remove the (ephemeral) message whose button was clicked."""
        await self.post(response_url, {"delete_original": True})
