"""/healthz and /metrics over HTTP, with Redis up and down, and the daily loop's report."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import aiohttp
from redis.asyncio import Redis

from bot.commands import Caller, CommandService
from bot.daily.engine import DailyEngine
from bot.daily.loop import DailyLoop
from bot.observability.health import Health, serve
from bot.store import ChannelRef
from bot.store.embedded import free_port

NOW = datetime(2025, 10, 15, 12, 0, tzinfo=UTC)


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


async def test_healthz_reports_redis_hf_and_daily_loop(state) -> None:
    async def send(delivery) -> str:
        return "m1"

    loop = DailyLoop(DailyEngine(state), send, "slack", tick_seconds=60, clock=lambda: NOW)
    assert await loop.run_once() is not None
    await state.papers.papers_for_day(NOW.date(), today=NOW.date())  # one fetch through the HF source
    health = Health(state.redis, source=state.source, loop=loop)
    port = free_port()
    runner = await serve(health, port, host="127.0.0.1")
    try:
        status, body = await get(port, "/healthz")
        assert status == 200
        report = json.loads(body)
        assert report["status"] == "ok" and report["daily"]["last_run_at"] == "2025-10-15T12:00:00+00:00"
        assert report["hf"]["last_ok_at"] is not None and report["hf"]["last_error"] is None
        await CommandService(state, clock=lambda: NOW).run(
            "help", Caller(ChannelRef("slack", "T", "C"), "u", True)
        )
        status, text = await get(port, "/metrics")
        assert status == 200 and 'papers_commands_total{command="Help",outcome="info"}' in text
    finally:
        await runner.cleanup()


async def test_healthz_is_503_when_redis_is_down() -> None:
    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}", socket_connect_timeout=0.3)
    port = free_port()
    runner = await serve(Health(dead), port, host="127.0.0.1")
    try:
        status, body = await get(port, "/healthz")
    finally:
        await runner.cleanup()
        await dead.aclose()
    assert status == 503 and '"ok": false' in body


async def test_a_failing_pass_does_not_kill_the_loop(state) -> None:
    async def send(delivery) -> str:
        return "m1"

    class Broken(DailyEngine):
        async def run_due(self, *args, **kwargs):
            raise ConnectionError("redis went away")

    loop = DailyLoop(Broken(state), send, "slack", tick_seconds=60, clock=lambda: NOW)
    assert await loop.run_once() is None
    assert loop.last_error == "ConnectionError: redis went away"
    loop.engine = DailyEngine(state)
    assert await loop.run_once() is not None and loop.last_error is None
