"""Socket Mode (SLACK_APP_TOKEN set): Bolt's AsyncSocketModeHandler plus a watchdog.

slack_sdk's aiohttp client already pings Slack every `ping_interval` seconds and reconnects when
the pongs stop or the session closes. With AsyncApp that monitor has been seen to stop, leaving a
process that looks alive but gets no more commands (bolt-python issue #417): the watchdog checks
every `interval` seconds that the session is open, pongs are recent and the client's receive,
process and monitor tasks are still running, restarts a dead message processor, and forces a
fresh connection (a new wss URL from apps.connections.open) once the client has looked unhealthy
for two checks in a row. `healthy` feeds GET /healthz.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.webapi import TOKEN_PROBLEMS, error_code
from bot.settings import ConfigError

log = logging.getLogger(__name__)


class SocketModeRunner:
    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        web_client: AsyncWebClient,
        *,
        ping_interval: float = 10.0,
        interval: float = 30.0,
    ) -> None:
        self.app = app
        self.app_token = app_token
        self.web_client = web_client
        self.ping_interval = ping_interval
        self.interval = interval
        self.handler: AsyncSocketModeHandler | None = None
        self.reconnects = 0
        self.healthy = False
        self._unhealthy_since: float | None = None
        self._watchdog: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the connection (apps.connections.open, then the websocket) and start the watchdog."""
        self.handler = AsyncSocketModeHandler(
            self.app, self.app_token, web_client=self.web_client, ping_interval=self.ping_interval
        )
        # Ask for the first wss:// URL ourselves: a rejected app token is then a clear error, not
        # the client's endless "Failed to connect; retrying" (it would reuse the URL we got).
        try:
            self.handler.client.wss_uri = await self.handler.client.issue_new_wss_url()
        except SlackApiError as exc:
            code = error_code(exc)
            if code in TOKEN_PROBLEMS or code == "not_allowed_token_type":
                raise ConfigError(
                    f"SLACK_APP_TOKEN was rejected by Slack ({code}): it must be an app-level token "
                    "with the connections:write scope, and Socket Mode must be on in the app's settings"
                ) from None
            raise
        await self.handler.connect_async()
        self.healthy = True
        self._watchdog = asyncio.create_task(self._watch(), name="socket-mode watchdog")
        log.info("Socket Mode connected")

    async def check(self) -> bool:
        """One watchdog check; True when the connection looks fine."""
        assert self.handler is not None
        client = self.handler.client
        if client.closed:
            return False
        processor = client.message_processor
        if processor is None or processor.done():
            log.warning("Socket Mode message processor stopped; restarting it")
            client.message_processor = asyncio.ensure_future(client.process_messages())
        tasks_alive = all(
            task is not None and not task.done()
            for task in (client.message_receiver, client.current_session_monitor)
        )
        return tasks_alive and await client.is_connected()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.watch_once()

    async def watch_once(self) -> None:
        """One watchdog round: check, and reconnect after a second unhealthy check in a row."""
        assert self.handler is not None
        try:
            ok = await self.check()
        except Exception as exc:
            log.warning("Socket Mode check failed: %s", exc)
            ok = False
        self.healthy = ok
        if ok:
            self._unhealthy_since = None
            return
        now = time.monotonic()
        if self._unhealthy_since is None:
            self._unhealthy_since = now
            return
        log.warning("Socket Mode connection unhealthy for %.0f s; reconnecting", now - self._unhealthy_since)
        try:
            await self.handler.client.connect_to_new_endpoint(force=True)
        except Exception as exc:
            log.error("Socket Mode reconnect failed (%s); trying again in %.0f s", exc, self.interval)
            return
        self.reconnects += 1
        self._unhealthy_since = None
        self.healthy = await self.check()

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None
        if self.handler is not None:
            await self.handler.close_async()
            self.handler = None
