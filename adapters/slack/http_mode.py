"""HTTP mode: Slack's request URL, a health check and metrics, as an aiohttp application.

POST /slack/events   slash commands and interactivity (the manifest points both here). Every
                     request passes adapters.slack.screening first (size, content type, timestamp
                     and signature, all before the body is parsed), then adapters.slack.payloads
                     (the shape Bolt expects); a refused one gets 400, 401, 408, 413, 415 or 503
                     with `{"error": kind}` and one short, rate-limited log line
                     (bot.observability.refusals), never a traceback.
GET  /healthz        200 {"status": "ok", ...} while Redis answers (and, in Socket Mode, while
                     the connection is up); 503 otherwise. The body is bot.observability's, plus
                     the Slack mode. For load balancers and orchestrators.
GET  /metrics        Prometheus metrics (bot.observability.metrics).

bot.observability.server.HTTPServer serves it (read and idle timeouts, a connection cap), with the
same SlackScreen's `prescreen` refusing forged requests from their raw bytes before aiohttp.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp

from adapters.slack.payloads import MalformedPayload, bolt_request
from adapters.slack.screening import MAX_BODY, SlackScreen
from bot.observability.health import metrics_view
from bot.observability.refusals import Refusal, Refusals

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"

Health = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


def build_web_app(
    bolt_app: AsyncApp | None,
    health: Health,
    *,
    screen: SlackScreen | None = None,
    refusals: Refusals | None = None,
) -> web.Application:
    """The aiohttp application; `bolt_app` None serves only health and metrics (Socket Mode).

    With a `bolt_app`, `screen` checks each request to /slack/events (ValueError without one; give
    the HTTP server its `prescreen` too) and `refusals` counts and logs what it turns away.
    """
    refusals = refusals or Refusals()

    async def healthz(request: web.Request) -> web.Response:
        try:
            ok, body = await health()
        except Exception as exc:
            ok, body = False, {"status": "degraded", "error": f"{type(exc).__name__}: {exc}"}
        return web.json_response(body, status=200 if ok else 503)

    web_app = web.Application(client_max_size=MAX_BODY)
    web_app.router.add_get(HEALTH_PATH, healthz)
    web_app.router.add_get(METRICS_PATH, metrics_view)
    if bolt_app is None:
        return web_app
    if screen is None:
        raise ValueError("HTTP mode needs a SlackScreen (the signing secret)")

    async def slack_events(request: web.Request) -> web.StreamResponse:
        try:
            text = await screen.verified_text(request)
            if text is None:  # ssl_check
                return web.Response(status=200)
            try:
                bolt = bolt_request(text, request)
            except MalformedPayload as exc:
                raise Refusal(400, "malformed_payload", str(exc)) from None
        except Refusal as refused:
            refusals.refuse(
                refused.kind, size=request.content_length, source=request.remote, detail=refused.detail
            )
            return refused.response()
        return await to_aiohttp_response(await bolt_app.async_dispatch(bolt))

    web_app.router.add_post(EVENTS_PATH, slack_events)
    return web_app
