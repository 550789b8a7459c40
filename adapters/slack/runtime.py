"""One running Slack app: state, Web API client, Bolt app, daily loop, and HTTP or Socket Mode.

`start(settings)` brings everything up in the current event loop (after the store's one-time data
rewrites, bot.store.migrations) and returns a `Runtime` whose
`stop()` shuts it down in order (stop taking requests, stop the daily loop, finish answers in
flight, close connections). The CLI runs one until SIGINT/SIGTERM; tests start one on port 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import build_app
from adapters.slack.context import SlackBot
from adapters.slack.daily import daily_loop
from adapters.slack.http_mode import build_web_app
from adapters.slack.jobs import Jobs
from adapters.slack.permissions import Permissions
from adapters.slack.respond import Responder
from adapters.slack.screening import SlackScreen
from adapters.slack.socket_mode import SocketModeRunner
from adapters.slack.webapi import TOKEN_PROBLEMS, build_client, error_code, new_session
from bot.commands import CommandService
from bot.daily.loop import DailyLoop
from bot.observability.health import Health
from bot.observability.refusals import Refusals
from bot.observability.server import HTTPLimits, HTTPServer
from bot.settings import ConfigError, Settings
from bot.store import FetchDay, RedisUnavailable, State, open_state
from bot.store.migrations import migrate

log = logging.getLogger(__name__)


@dataclass
class SlackConfig:
    """The Slack settings a run needs, checked: missing or swapped tokens fail with a clear line."""

    bot_token: str
    signing_secret: str
    app_token: str | None

    @property
    def mode(self) -> str:
        return "socket" if self.app_token else "http"

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackConfig:
        bot_token = settings.require_secret(
            "slack_bot_token",
            "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page",
        )
        if bot_token.startswith("xapp-"):
            raise ConfigError(
                "SLACK_BOT_TOKEN holds an app-level token (xapp-...); it takes the bot token (xoxb-...)"
            )
        app_token = settings.slack_app_token.get_secret_value().strip() if settings.slack_app_token else None
        if app_token and not app_token.startswith("xapp-"):
            raise ConfigError(
                "SLACK_APP_TOKEN must be an app-level token (xapp-..., Basic Information > App-Level Tokens, "
                "scope connections:write); unset it to run in HTTP mode"
            )
        if app_token:
            secret = (
                settings.slack_signing_secret.get_secret_value().strip()
                if settings.slack_signing_secret
                else ""
            )
        else:
            secret = settings.require_secret(
                "slack_signing_secret",
                "HTTP mode verifies Slack's requests with it (Basic Information > App Credentials); "
                "or set SLACK_APP_TOKEN to use Socket Mode",
            )
        return cls(bot_token, secret, app_token)


@dataclass
class Runtime:
    settings: Settings
    config: SlackConfig
    state: State
    session: aiohttp.ClientSession
    client: AsyncWebClient
    bot: SlackBot
    app: AsyncApp
    daily: DailyLoop | None = None
    server: HTTPServer | None = None
    socket: SocketModeRunner | None = None
    _daily_task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def port(self) -> int | None:
        return self.server.port if self.server else None

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """bot.observability's health (Redis, the daily loop) plus the Slack side."""
        ok, body = await Health(self.state.redis, source=self.state.source, loop=self.daily).report()
        body["mode"] = self.config.mode
        body["jobs_running"] = self.bot.jobs.running
        if self.socket is not None:
            body["socket_mode"] = {"connected": self.socket.healthy, "reconnects": self.socket.reconnects}
            if not self.socket.healthy:
                ok, body["status"] = False, "degraded"
        return ok, body

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.stop()
        if self._daily_task is not None:
            self._daily_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._daily_task
        await self.bot.jobs.drain()
        await self.session.close()
        await self.state.aclose()


async def check_token(client: AsyncWebClient) -> None:
    """auth.test at startup: a rejected token is a clear error; Slack unreachable is only a warning."""
    try:
        auth = await client.auth_test()
        log.info("Slack bot %s in workspace %s (%s)", auth.get("user"), auth.get("team"), auth.get("team_id"))
    except SlackApiError as exc:
        code = error_code(exc)
        if code in TOKEN_PROBLEMS:
            raise ConfigError(
                f"SLACK_BOT_TOKEN was rejected by Slack ({code}): copy it again from the app's page"
            ) from None
        log.warning("auth.test failed (%s); starting anyway", code)
    except Exception as exc:
        log.warning(
            "cannot reach the Slack API at startup (%s: %s); starting anyway", type(exc).__name__, exc
        )


async def migrate_data(state: State) -> None:
    """The store's pending one-time rewrites (Slack topics that earlier versions kept
    in Slack's encoding). Until
    they are done the store reads old records correctly anyway, so a failure is only a warning."""
    try:
        await migrate(state.redis, state.keys)
    except RedisError as exc:
        log.warning(
            "stored data not rewritten yet (%s); read as it is meanwhile, retried at the next start", exc
        )


async def start(
    settings: Settings,
    *,
    host: str = "0.0.0.0",
    port: int | None = None,
    daily: bool = True,
    fetch: FetchDay | None = None,
    check: bool = True,
) -> Runtime:
    """Start the app. `port` overrides PORT; `fetch` replaces the HF source (tests, benchmarks)."""
    config = SlackConfig.from_settings(settings)
    try:
        state = await open_state(settings, fetch=fetch)
    except RedisUnavailable as exc:
        raise ConfigError(str(exc)) from None
    session = new_session()
    client = build_client(config.bot_token, settings.slack_api_url, session)
    bot = SlackBot(
        state=state,
        client=client,
        service=CommandService(state),
        permissions=Permissions(client, settings.slack_managers),
        responder=Responder(session),
        jobs=Jobs(),
    )
    app = build_app(bot, signing_secret=config.signing_secret)
    runtime = Runtime(settings, config, state, session, client, bot, app)
    try:
        await migrate_data(state)
        if check:
            await check_token(client)
        if daily:
            runtime.daily = daily_loop(state, client)
            runtime._daily_task = asyncio.create_task(runtime.daily.run_forever(), name="slack daily loop")
        port = settings.port if port is None else port
        refusals = Refusals()
        screen: SlackScreen | None = None
        if config.app_token:
            runtime.socket = SocketModeRunner(app, config.app_token, client)
            await runtime.socket.start()
            # like the Discord process: /healthz and /metrics on PORT, no request URL
            web_app = build_web_app(None, runtime.health)
        else:
            screen = SlackScreen(config.signing_secret)
            web_app = build_web_app(app, runtime.health, screen=screen, refusals=refusals)
        runtime.server = HTTPServer(
            web_app,
            host=host,
            port=port,
            limits=HTTPLimits.from_settings(settings),
            refusals=refusals,
            prescreen=screen.prescreen if screen is not None else None,
        )
        await runtime.server.start()
    except BaseException:
        await runtime.stop()
        raise
    log.info("papers-bot slack running in %s mode", config.mode)
    return runtime
