"""`papers-bot discord [run | sync [--guild ID] | invite-url]`.

run         connect to Discord, answer /papers and make the daily posts (until stopped);
            GET /healthz and /metrics on PORT
sync        register the /papers commands with Discord (globally, or in one guild at once)
invite-url  print the link that installs the bot with the minimal permissions

Errors a user can fix (missing token, refused token, unreachable Redis or Discord) end in one
line, raised as ConfigError/CLIError for `bot.cli` to print.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

import aiohttp
import discord

from adapters.discord.app import PapersBot, create_client, point_discord_py
from adapters.discord.permissions import BOT_PERMISSION_NAMES, INSTALL_SCOPES, invite_url
from bot.cli import CLIError
from bot.cli_output import ArgumentParser, emit
from bot.observability.health import Health, serve
from bot.observability.logs import configure_logging
from bot.observability.server import HTTPLimits, HTTPServer
from bot.settings import ConfigError, Settings, load_settings
from bot.store import RedisUnavailable, open_state

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="papers-bot discord", description="The Discord app of papers-bot.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("run", help="run the bot (the default)")
    sync = actions.add_parser("sync", help="register the /papers slash commands with Discord")
    sync.add_argument(
        "--guild", type=int, metavar="ID", help="register in this server only (shows up at once; for testing)"
    )
    actions.add_parser("invite-url", help="print the link that adds the bot to a server")
    return parser


def token_of(settings: Settings) -> str:
    if settings.discord_token is None:
        raise ConfigError(
            "DISCORD_TOKEN is not set: copy the bot token from the Discord Developer Portal "
            "(your application > Bot) into DISCORD_TOKEN, in the environment or .env"
        )
    return settings.discord_token.get_secret_value()


@contextlib.contextmanager
def discord_errors(settings: Settings):  # type: ignore[no-untyped-def]
    """Turn what a wrong token or an unreachable Discord raises into one line."""
    try:
        yield
    except discord.LoginFailure:
        raise CLIError(
            "Discord refused DISCORD_TOKEN (401 Unauthorized): check or reset the bot token"
        ) from None
    except discord.PrivilegedIntentsRequired as exc:  # papers-bot asks for none; a proxy may think otherwise
        raise CLIError(f"Discord refused the gateway intents: {exc}") from None
    except (aiohttp.ClientConnectorError, discord.GatewayNotFound) as exc:
        raise CLIError(
            f"cannot reach Discord at {settings.discord_api_url} / {settings.discord_gateway_url}: {exc}"
        ) from None
    except RedisUnavailable as exc:
        raise CLIError(f"{exc}. Check REDIS_URL.") from None


async def run_bot(settings: Settings) -> None:
    """Until SIGTERM/SIGINT: the gateway connection, /papers answers, the daily loop, and
    GET /healthz + /metrics on PORT."""
    token = token_of(settings)
    point_discord_py(settings.discord_api_url, settings.discord_gateway_url)
    state = await open_state(settings)
    health = None
    try:
        client = create_client(settings, state)
        health = await serve_health(settings, Health(state.redis, source=state.source, loop=client.daily))
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(client.close()))
        async with client:
            await client.start(token)
    finally:
        if health is not None:
            await health.cleanup()
        await state.aclose()


async def serve_health(settings: Settings, health: Health) -> HTTPServer | None:
    """/healthz and /metrics on PORT; without them (port taken) the bot still runs."""
    try:
        return await serve(health, settings.port, limits=HTTPLimits.from_settings(settings))
    except OSError as exc:
        log.warning("no /healthz: cannot listen on PORT %d (%s)", settings.port, exc)
        return None


async def sync_commands(settings: Settings, guild_id: int | None) -> str:
    token = token_of(settings)
    point_discord_py(settings.discord_api_url, settings.discord_gateway_url)
    async with PapersBot(None) as client:
        await client.login(token)
        guild = discord.Object(guild_id) if guild_id is not None else None
        if guild is not None:
            client.tree.copy_global_to(guild=guild)
        try:
            synced = await client.tree.sync(guild=guild)
        except discord.Forbidden as exc:
            where = f"server {guild_id}" if guild_id else "this application"
            raise CLIError(
                f"Discord refused to register the commands in {where} ({exc.status} {exc.text}); "
                "is the bot installed there? See `papers-bot discord invite-url`"
            ) from None
    names = ", ".join(f"/{c.name} " + " ".join(o.name for o in c.options) for c in synced)
    where = (
        f"in server {guild_id} (available now)" if guild_id else "globally (may take a few minutes to show)"
    )
    return f"registered {names} {where}"


async def application_id(settings: Settings) -> int:
    if settings.discord_application_id is not None:
        return settings.discord_application_id
    if settings.discord_token is None:
        raise ConfigError(
            "set DISCORD_APPLICATION_ID (the Developer Portal's Application ID), or DISCORD_TOKEN to look it up"
        )
    point_discord_py(settings.discord_api_url, settings.discord_gateway_url)
    async with PapersBot(None) as client:
        await client.login(token_of(settings))
        assert client.application_id is not None
        return client.application_id


def main(args: Sequence[str]) -> int:
    options = build_parser().parse_args(list(args))
    action = options.action or "run"
    settings = load_settings()
    with discord_errors(settings):
        if action == "invite-url":
            app_id = asyncio.run(application_id(settings))
            emit(invite_url(app_id))
            emit(f"permissions: {', '.join(BOT_PERMISSION_NAMES)}; scopes: {', '.join(INSTALL_SCOPES)}")
        elif action == "sync":
            emit(asyncio.run(sync_commands(settings, options.guild)))
        else:
            token_of(settings)  # before logging is set up: a missing token is one line, nothing more
            configure_logging(settings)  # secrets (DISCORD_TOKEN...) never reach the logs
            logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per HF page is too much
            asyncio.run(run_bot(settings))
    return 0
