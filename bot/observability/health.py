"""`GET /healthz` and `GET /metrics` for every process (aiohttp routes, no chat SDK).

Health is "ok" when Redis answers; the last HF fetch and the last daily pass are reported so an
operator sees a stale source or a stuck engine, without failing the probe for an HF outage the
bot already rides out with its cache.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis

from bot.observability.server import HTTPLimits, HTTPServer

REDIS_PING_TIMEOUT = 1.0


class _AsDict(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class PassStatus(Protocol):
    """What /healthz shows of the daily loop (bot.daily.loop.DailyLoop). Health reads the loop and
    the source through these protocols: observability sits below both in the layers (pyproject.toml)."""

    @property
    def last_run_at(self) -> datetime | None: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def last_report(self) -> _AsDict | None: ...


class FetchStatus(Protocol):
    """What /healthz shows of the Hugging Face source (bot.source.hf_client.HFSource)."""

    @property
    def last_ok_at(self) -> datetime | None: ...
    @property
    def last_error_at(self) -> datetime | None: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def limited_until(self) -> datetime | None: ...


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


@dataclass
class Health:
    redis: Redis
    source: FetchStatus | None = None
    loop: PassStatus | None = None

    async def report(self) -> tuple[bool, dict[str, Any]]:
        try:
            await asyncio.wait_for(self.redis.ping(), REDIS_PING_TIMEOUT)
            redis: dict[str, Any] = {"ok": True}
        except Exception as exc:  # any failure means "not reachable" to the probe
            redis = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        body: dict[str, Any] = {"status": "ok" if redis["ok"] else "degraded", "redis": redis}
        if self.source is not None:
            body["hf"] = {
                "last_ok_at": _iso(self.source.last_ok_at),
                "last_error_at": _iso(self.source.last_error_at),
                "last_error": self.source.last_error,
                "limited_until": _iso(self.source.limited_until),  # HF's rate limit, while it lasts
            }
        if self.loop is not None:
            body["daily"] = {
                "last_run_at": _iso(self.loop.last_run_at),
                "last_error": self.loop.last_error,
                "last_report": self.loop.last_report.as_dict() if self.loop.last_report else None,
            }
        return redis["ok"], body

    async def healthz(self, _request: web.Request) -> web.Response:
        ok, body = await self.report()
        return web.json_response(body, status=200 if ok else 503)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/healthz", self.healthz), web.get("/metrics", metrics_view)]


async def metrics_view(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def serve(
    health: Health, port: int, host: str = "0.0.0.0", *, limits: HTTPLimits | None = None
) -> HTTPServer:
    """Start a small server with just /healthz and /metrics (the Discord process); `cleanup()` it."""
    app = web.Application()
    app.add_routes(health.routes())
    server = HTTPServer(app, host=host, port=port, limits=limits)
    await server.start()
    return server
