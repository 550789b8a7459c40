"""The discord.py client of papers-bot: the `/papers` command tree and the daily post loop.

One client per process. Without DISCORD_SHARD_COUNT it is a plain `discord.Client` (one gateway
connection for every guild); with it, an `AutoShardedClient` running DISCORD_SHARD_IDS (default:
all shards), whose daily loop posts only for the guilds of those shards.

Commands are not synced here (see `papers-bot discord sync`), and no message can mention anyone:
`allowed_mentions` is none for the whole client and again for every message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from adapters.discord.commands import DEFER_AFTER, PapersCommands
from adapters.discord.daily import PLATFORM, make_send, shard_filter
from adapters.discord.votes import VoteButton, VoteClicks
from bot.commands import CommandService
from bot.commands.votes import VoteService
from bot.daily.engine import DailyEngine
from bot.daily.loop import DailyLoop
from bot.settings import Settings
from bot.store import State

log = logging.getLogger(__name__)

#: Longest rate-limit wait discord.py may sleep through; a longer one raises RateLimited, which the
#: daily post turns into a retry later (and a command answer into an error).
MAX_RATELIMIT_WAIT = 30.0


def point_discord_py(api_url: str, gateway_url: str) -> None:
    """Send every REST call to `api_url` and connect to the gateway at `gateway_url` (process-wide:
    discord.py has no per-client setting for either)."""
    discord.http.Route.BASE = api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def _no_voice_warnings() -> None:
    """papers-bot never joins voice: discord.py's warnings about missing voice libraries are noise."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


def intents() -> discord.Intents:
    """Only the guilds intent: GUILD_CREATE for the guild cache. No privileged intent."""
    return discord.Intents(guilds=True)


class _PapersClient:
    """What papers-bot adds to a discord.py client (mixed into Client and AutoShardedClient)."""

    tree: app_commands.CommandTree[Any]

    def __init__(
        self,
        state: State | None,
        *,
        daily: DailyLoop | None = None,
        defer_after: float = DEFER_AFTER,
        clock: Callable[[], datetime] | None = None,
        **options: Any,
    ) -> None:
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT)
        _no_voice_warnings()
        # The next class in the MRO: discord.Client or discord.AutoShardedClient.
        super().__init__(intents=intents(), allowed_mentions=discord.AllowedMentions.none(), **options)  # type: ignore[call-arg]
        service = None
        if state is not None:
            service = CommandService(state, clock=clock) if clock else CommandService(state)
        self.tree = app_commands.CommandTree(self)  # type: ignore[arg-type]
        self.commands = PapersCommands(
            service, state.subscriptions if state else None, defer_after=defer_after
        )
        self.tree.add_command(self.commands)
        # 👍/👎: clicks on any message's vote buttons (adapters/discord/votes.py)
        self.vote_clicks = VoteClicks(service.votes) if service is not None else None
        self.daily = daily
        self._daily_task: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        self.add_dynamic_items(VoteButton)  # type: ignore[attr-defined]
        if self.daily is not None:
            self._daily_task = asyncio.create_task(self.daily.run_forever(), name="papers-daily")

    async def on_ready(self) -> None:
        user = self.user  # type: ignore[attr-defined]
        log.info("logged in as %s in %d guilds", user, len(self.guilds))  # type: ignore[attr-defined]

    async def close(self) -> None:
        task, self._daily_task = self._daily_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await super().close()  # type: ignore[misc]


class PapersBot(_PapersClient, discord.Client):
    """One gateway connection: the default."""


class ShardedPapersBot(_PapersClient, discord.AutoShardedClient):
    """Several shards in one process (DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS)."""


def create_client(
    settings: Settings,
    state: State | None,
    *,
    with_daily: bool = True,
    defer_after: float = DEFER_AFTER,
    clock: Callable[[], datetime] | None = None,
    **options: Any,
) -> PapersBot | ShardedPapersBot:
    """The client for these settings: sharded or not, with the daily loop when `state` is given.

    `clock` (tests) drives both the command answers and the daily loop.
    """
    sharded = settings.discord_shard_count is not None
    if sharded:
        options.setdefault("shard_count", settings.discord_shard_count)
        if settings.discord_shard_ids is not None:
            options.setdefault("shard_ids", list(settings.discord_shard_ids))
    cls = ShardedPapersBot if sharded else PapersBot
    client = cls(state, defer_after=defer_after, clock=clock, **options)
    if state is not None and with_daily:
        client.daily = daily_loop(settings, state, client, clock=clock)
    return client


def daily_loop(
    settings: Settings,
    state: State,
    client: discord.Client,
    *,
    clock: Callable[[], datetime] | None = None,
    owner: str | None = None,
) -> DailyLoop:
    """The daily loop of `client`: the core engine, for the guilds of this process's shards, with
    the Discord `send`."""
    return DailyLoop(
        engine=DailyEngine(state, owner=owner),
        send=make_send(client, votes=VoteService(state)),
        platform=PLATFORM,
        tick_seconds=settings.daily_tick_seconds,
        accept=shard_filter(settings.discord_shard_ids, settings.discord_shard_count),
        clock=clock or (lambda: datetime.now(UTC)),
    )
