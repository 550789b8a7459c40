"""HTTP mode: an aiohttp server with Slack's request URL and a health check.

POST /slack/events   slash commands and interactivity (the manifest points both here).
                     Bolt checks X-Slack-Signature / X-Slack-Request-Timestamp with
                     SLACK_SIGNING_SECRET and answers 401 to a bad signature or a timestamp
                     more than 5 minutes off (or not a number: refused here before Bolt).
GET  /healthz        200 {"status": "ok", ...} while Redis answers (and, in Socket Mode, while
                     the connection is up); 503 otherwise. The body is bot.observability's, plus
                     the Slack mode. For load balancers and orchestrators.
GET  /metrics        Prometheus metrics (bot.observability.metrics).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.observability.health import metrics_view

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
MAX_BODY = 1024 * 1024  # Slack's payloads are a few KB

Health = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


def build_web_app(bolt_app: AsyncApp | None, health: Health) -> web.Application:
    """The aiohttp application; `bolt_app` None serves only health and metrics (Socket Mode)."""

    async def slack_events(request: web.Request) -> web.Response:
        assert bolt_app is not None
        stamp = request.headers.get("X-Slack-Request-Timestamp")
        if stamp is not None and not (stamp.isascii() and stamp.isdigit()):
            # slack_sdk's verifier would raise on int(stamp), and Bolt answer 500: refuse it as forged
            return web.json_response({"error": "invalid request"}, status=401)
        bolt_response = await bolt_app.async_dispatch(await read_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def healthz(request: web.Request) -> web.Response:
        try:
            ok, body = await health()
        except Exception as exc:
            ok, body = False, {"status": "degraded", "error": f"{type(exc).__name__}: {exc}"}
        return web.json_response(body, status=200 if ok else 503)

    web_app = web.Application(client_max_size=MAX_BODY)
    web_app.router.add_get(HEALTH_PATH, healthz)
    web_app.router.add_get(METRICS_PATH, metrics_view)
    if bolt_app is not None:
        web_app.router.add_post(EVENTS_PATH, slack_events)
    return web_app


async def read_bolt_request(request: web.Request) -> AsyncBoltRequest:
    """Bolt's request for `request`, with form bodies that merely contain the word "payload" kept.

    Bolt (1.30) takes any form body containing "payload" for an interactivity payload and, finding
    no `payload` field, sees an empty body: `/papers search payload`, or a channel named
    #payload-team, would get a 404 and the user Slack's "dispatch_failed". The signature is still
    checked over the raw body, which is unchanged.
    """
    bolt_request = await to_bolt_request(request)
    if not bolt_request.body and "payload" in bolt_request.raw_body:
        form = dict(parse_qsl(bolt_request.raw_body, keep_blank_values=True))
        if "payload" not in form:
            bolt_request.body = form
            bolt_request.context = build_async_context(AsyncBoltContext(), form)
    return bolt_request


class WebServer:
    """Runs an aiohttp application on host:port inside the current event loop."""

    def __init__(self, web_app: web.Application, *, host: str = "0.0.0.0", port: int = 3000) -> None:
        self.web_app = web_app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start listening; returns the port (useful with port 0)."""
        self._runner = web.AppRunner(self.web_app, access_log=None, handle_signals=False, shutdown_timeout=5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or ()
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("listening on http://%s:%d", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
