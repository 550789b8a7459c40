"""The Discord app in-process against the local Discord stand-in, real Redis and the fake HF API.

The app runs on the suite's `settings` and `state` (tests/conftest.py); here the fake HF API lists
`hf_items` (`serve_hf_items`, autouse), and `standin`/`bot` are the stand-in and the running client.

Every test here ends by checking every message the bot sent (message creates, interaction
answers, followups and edits): `allowed_mentions` allows nothing, and no text could ping anyone.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.discord.app import PapersBot, ShardedPapersBot, create_client
from bot.settings import Settings
from bot.store import ChannelRef, State
from tests.conftest import DISCORD_TOKEN
from tests.factories import api_item
from tests.fakes.discord_api import (
    DiscordStandIn,
    DispatchedInteraction,
    RecordedRequest,
    point_discord_py,
    running,
)
from tests.fakes.discord_api import payloads as p
from tests.fakes.hf import FakeHF
from tests.marks import marked_kwargs

TOKEN = DISCORD_TOKEN
TODAY = date(2025, 10, 15)  # a Wednesday
NOW = datetime(2025, 10, 15, 12, 0, tzinfo=UTC)
GUILD = p.DEFAULT_GUILD_ID
GENERAL = p.DEFAULT_CHANNEL_ID  # where slash commands are typed by default
PAPERS = p.DEFAULT_PAPERS_CHANNEL_ID
GENERAL_REF = ChannelRef("discord", str(GUILD), str(GENERAL))
PAPERS_REF = ChannelRef("discord", str(GUILD), str(PAPERS))

MEMBER = p.DEFAULT_EVERYONE_PERMISSIONS
MANAGER = p.DEFAULT_EVERYONE_PERMISSIONS | p.P_MANAGE_CHANNELS
ADMIN = p.DEFAULT_EVERYONE_PERMISSIONS | p.P_ADMINISTRATOR
EPHEMERAL = 1 << 6
LOADING = 1 << 7
CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"
MESSAGE_CREATE = "POST /channels/{channel_id}/messages"

pytestmark = pytest.mark.timeout(30)


def day_items(day: date, n: int, **overrides: Any) -> list[dict[str, Any]]:
    return [
        api_item(
            f"2510.{day.day:02d}{i:03d}", title=f"Paper {i} of {day}", upvotes=100 - i, day=day, **overrides
        )
        for i in range(n)
    ]


# ---------------------------------------------------------------- no mentions, ever

_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")


def message_bodies(requests: list[RecordedRequest]) -> list[dict[str, Any]]:
    """Every message body the bot sent: creates, interaction answers, followups, edits."""
    bodies = []
    for r in requests:
        if r.route is None or not isinstance(r.json, dict):
            continue
        if r.route == MESSAGE_CREATE or r.route.startswith(("POST /webhooks/", "PATCH /webhooks/")):
            bodies.append(r.json)
        elif r.route == CALLBACK and r.json.get("type") in (4, 7):
            bodies.append(r.json["data"])
    return bodies


def texts(body: dict[str, Any]) -> list[str]:
    out = [body.get("content") or ""]
    for embed in body.get("embeds") or ():
        out += [embed.get("title", ""), embed.get("description", "")]
        out += [embed.get("footer", {}).get("text", ""), embed.get("author", {}).get("name", "")]
        for f in embed.get("fields", ()):
            out += [f["name"], f["value"]]
    return out


def assert_mention_free(requests: list[RecordedRequest]) -> None:
    for body in message_bodies(requests):
        assert body.get("allowed_mentions") == {"parse": []}, body
        for text in texts(body):
            assert not _MENTION.search(text), text


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def hf_items() -> dict[str, list[dict[str, Any]]]:
    return {TODAY.isoformat(): day_items(TODAY, 12)}


@pytest.fixture(autouse=True)
def serve_hf_items(fake_hf: FakeHF, hf_items: dict[str, list[dict[str, Any]]]) -> None:
    """The fake HF API lists `hf_items` (twelve papers on TODAY) in every test here."""
    fake_hf.days.update(hf_items)


@pytest.fixture
def standin_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """What `pytest.mark.standin_options(...)` on the test, its class or module asks for."""
    return marked_kwargs(request, "standin_options")


@pytest.fixture
async def standin(standin_options: dict[str, Any]) -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(token=TOKEN, fail_on_unknown_routes=True, **standin_options) as server:
        with point_discord_py(server.api_url, server.gateway_url):
            yield server
        assert_mention_free(server.requests)


def make_bot(settings: Settings, state: State, **options: Any) -> PapersBot | ShardedPapersBot:
    """The app's client as `papers-bot discord` builds it, with the test clock and no daily loop task."""
    options.setdefault("guild_ready_timeout", 0.05)
    options.setdefault("clock", lambda: NOW)
    return create_client(settings, state, with_daily=False, **options)


@pytest.fixture
async def bot(standin: DiscordStandIn, settings: Settings, state: State) -> AsyncIterator[PapersBot]:
    client = make_bot(settings, state)
    assert isinstance(client, PapersBot)
    async with running(client, TOKEN):
        yield client


async def command(
    standin: DiscordStandIn, sub: str, *options: dict[str, Any], permissions: int = MEMBER, **kwargs: Any
) -> DispatchedInteraction:
    """Dispatch `/papers SUB options...` typed by someone with `permissions` in the channel."""
    payload = standin.command_interaction(
        "papers", p.subcommand(sub, *options), member_permissions=permissions, **kwargs
    )
    return await standin.dispatch_interaction(payload)


async def answer(sent: DispatchedInteraction, *, within: float = 5.0) -> dict[str, Any]:
    """The answer's message data (a direct answer, or the edit that replaced a deferral) and its flags."""
    callback = await sent.callback(timeout=within)
    assert callback.status in (200, 204), callback.response
    if callback.json["type"] == 4:
        return callback.json["data"]
    assert callback.json["type"] == 5
    edit = await sent.original_edit(timeout=within)
    assert edit.status == 200, edit.response
    return {**edit.json, "flags": callback.json.get("data", {}).get("flags", 0)}
