"""A local stand-in of the Hugging Face Daily Papers API on a real socket.

It runs its own event loop in a thread, so sync tests, async tests and subprocesses (the CLI)
can all talk to it. Serve days with `fake.days["2025-10-15"] = items`; make it misbehave with
`fake.fail(...)`, which queues faults answered before normal responses, or for as long as they
are set with `fake.down = 503` (every request), `fake.failing_days = {"2025-10-15"}` (HTTP 500 for
those days) and `fake.delay = 0.1` (seconds before each answer). `fake.days_asked()` lists the
days fetched so far.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aiohttp import web


@dataclass
class Fault:
    status: int = 500
    body: str = '{"error": "boom"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a hang past the client's timeout)


class FakeHF:
    def __init__(self) -> None:
        self.days: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[dict[str, Any]] = []  # query, user_agent, authorization
        self.down: int | None = None  # while set, every request is answered with this status
        self.failing_days: set[str] = set()  # these days are answered with HTTP 500
        self.delay = 0.0  # seconds before each answer
        self._faults: deque[Fault] = deque()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def fail(self, *faults: Fault) -> None:
        """Answer the next requests with these faults, in order."""
        self._faults.extend(faults)

    def days_asked(self) -> list[str]:
        """The `date` of every request for a first page (p=0), in order: one per fetch of a day
        by a client that does not retry (HFSource with HF_MAX_RETRIES=0)."""
        return [r["query"].get("date", "") for r in self.requests if r["query"].get("p", "0") == "0"]

    async def _daily_papers(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            {
                "query": dict(request.query),
                "user_agent": request.headers.get("User-Agent"),
                "authorization": request.headers.get("Authorization"),
            }
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._faults:
            fault = self._faults.popleft()
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return web.Response(
                status=fault.status, text=fault.body, headers=fault.headers, content_type="application/json"
            )
        if self.down is not None:
            return web.json_response({"error": "down"}, status=self.down)
        try:
            day = date.fromisoformat(request.query.get("date", "")).isoformat()
        except ValueError:
            return web.json_response({"error": "Invalid date"}, status=400)
        if day in self.failing_days:
            return web.json_response({"error": "boom"}, status=500)
        limit = int(request.query.get("limit", "50"))
        page = int(request.query.get("p", "0"))
        items = self.days.get(day, [])
        return web.Response(
            text=json.dumps(items[page * limit : (page + 1) * limit]), content_type="application/json"
        )

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/daily_papers", self._daily_papers)
        self._runner = web.AppRunner(app, shutdown_timeout=1)  # a hanging fault must not hold the exit
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> FakeHF:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
