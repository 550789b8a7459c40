"""A local stand-in of the Hugging Face Daily Papers API on a real socket.

It runs its own event loop in a thread, so sync tests, async tests and subprocesses (the CLI)
can all talk to it. Serve days with `fake.days["2025-10-15"] = items`; make it misbehave with
`fake.fail(...)`, which queues faults answered before normal responses, `fake.fail_day(day, ...)`,
the same for one day's requests only, or for as long as they are set with `fake.down = 503` (every
request), `fake.refuse = Fault(429, headers=...)` (every request answered with that fault),
`fake.failing_days = {"2025-10-15"}` (HTTP 500 for those days) and `fake.delay = 0.1` (seconds
before each answer). `fake.days_asked()` lists the days fetched so far. A Fault's headers may be a
list of pairs, to send a field more than once.

Rate limits as HF applies them: `fake.rate_limit = Window(quota=500, seconds=300)` answers a
fixed window's requests beyond `quota` with 429, and states the limit in the headers of every
answer in one of the forms of `HEADER_STYLES` (HF's own is `"hf"`: `RateLimit: "api";r=0;t=12`
and `RateLimit-Policy`, no Retry-After). `Window.exhausted(...)` starts with the quota used up.
Every request is recorded with its arrival (`at`, time.monotonic()) and the status it got.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from email.utils import formatdate
from typing import Any

from aiohttp import web
from multidict import CIMultiDict


@dataclass
class Fault:
    status: int = 500
    body: str = '{"error": "boom"}'
    headers: dict[str, str] | list[tuple[str, str]] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a hang past the client's timeout)


def _hf(q: int, r: int, t: int, w: float, now: float) -> dict[str, str]:
    return {
        "RateLimit": f'"api";r={max(r, 0)};t={t}',
        "RateLimit-Policy": f'"fixed window";"api";q={q};w={w:g}',
    }


#: The header forms rate-limited APIs use: (quota, remaining (< 0: refused), seconds to the reset,
#: window, Unix now) -> headers. The REFUSAL_ONLY forms say nothing until a request is refused.
HEADER_STYLES = {
    "hf": _hf,  # HF's own: the ratelimit-headers draft's structured RateLimit, and RateLimit-Policy
    "several-policies": lambda q, r, t, w, now: {  # params in any order, spaces after ';'
        "RateLimit": f'"burst"; t=0; r=9, "api"; t={t}; r={max(r, 0)}'
    },
    "retry-after": lambda q, r, t, w, now: {"Retry-After": str(t)} if r < 0 else {},
    "retry-after-date": lambda q, r, t, w, now: (
        {"Retry-After": formatdate(math.ceil(now + t), usegmt=True)} if r < 0 else {}
    ),
    "draft-dictionary": lambda q, r, t, w, now: {"RateLimit": f"limit={q}, remaining={max(r, 0)}, reset={t}"},
    "draft-fields": lambda q, r, t, w, now: {
        "RateLimit-Limit": str(q), "RateLimit-Remaining": str(max(r, 0)), "RateLimit-Reset": str(t)
    },
    "x-ratelimit": lambda q, r, t, w, now: {
        "X-RateLimit-Limit": str(q), "X-RateLimit-Remaining": str(max(r, 0)), "X-RateLimit-Reset": str(t)
    },
    "x-ratelimit-unix-time": lambda q, r, t, w, now: {  # GitHub's: the reset as a Unix time
        "X-RateLimit-Limit": str(q), "X-RateLimit-Remaining": str(max(r, 0)),
        "X-RateLimit-Reset": str(math.ceil(now + t)),
    },
}  # fmt: skip
REFUSAL_ONLY = {"retry-after", "retry-after-date"}


@dataclass
class Window:
    """A fixed-window rate limit: `quota` requests per `seconds`, the window starting at its first
    request. Beyond the quota: 429. Headers per `style` (HEADER_STYLES) on every answer."""

    quota: int = 500
    seconds: float = 300.0
    style: str = "hf"
    started: float | None = None  # time.monotonic() of the window's start
    used: int = 0

    @classmethod
    def exhausted(cls, **kwargs: Any) -> Window:
        """A window whose quota is used up from now on (someone else spent it)."""
        window = cls(**kwargs)
        window.started, window.used = time.monotonic(), window.quota
        return window

    @property
    def ends(self) -> float:
        """time.monotonic() at which the current window ends."""
        return (self.started or time.monotonic()) + self.seconds

    def take(self) -> tuple[bool, dict[str, str]]:
        """Count one request: (allowed, headers to send)."""
        now = time.monotonic()
        if self.started is None or now >= self.ends:
            self.started, self.used = now, 0
        self.used += 1
        remaining = self.quota - self.used  # < 0: refused
        reset = max(1, math.ceil(self.ends - now))
        headers = HEADER_STYLES[self.style](self.quota, remaining, reset, self.seconds, time.time())
        return remaining >= 0, headers


class FakeHF:
    def __init__(self) -> None:
        self.days: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[dict[str, Any]] = []  # query, user_agent, authorization
        self.down: int | None = None  # while set, every request is answered with this status
        self.failing_days: set[str] = set()  # these days are answered with HTTP 500
        self.delay = 0.0  # seconds before each answer
        self.rate_limit: Window | None = None
        self.refuse: Fault | None = None  # while set, every request is answered with this fault
        self._faults: deque[Fault] = deque()
        self._day_faults: dict[str, deque[Fault]] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def fail(self, *faults: Fault) -> None:
        """Answer the next requests with these faults, in order."""
        self._faults.extend(faults)

    def fail_day(self, day: str, *faults: Fault) -> None:
        """Answer the next requests for `day` (ISO date) with these faults, in order."""
        self._day_faults.setdefault(day, deque()).extend(faults)

    def days_asked(self) -> list[str]:
        """The `date` of every request for a first page (p=0), in order: one per fetch of a day
        by a client that does not retry (HFSource with HF_MAX_RETRIES=0)."""
        return [r["query"].get("date", "") for r in self.requests if r["query"].get("p", "0") == "0"]

    def limited(self) -> list[dict[str, Any]]:
        """The requests answered 429."""
        return [r for r in self.requests if r.get("status") == 429]

    async def _daily_papers(self, request: web.Request) -> web.StreamResponse:
        record: dict[str, Any] = {
            "query": dict(request.query),
            "user_agent": request.headers.get("User-Agent"),
            "authorization": request.headers.get("Authorization"),
            "at": time.monotonic(),
        }
        self.requests.append(record)
        response = await self._answer(request)
        record["status"] = response.status
        return response

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        limit_headers: dict[str, str] = {}
        if self.rate_limit is not None:
            allowed, limit_headers = self.rate_limit.take()
            if not allowed:
                return web.json_response({"error": "rate limited"}, status=429, headers=limit_headers)
        if self.delay:
            await asyncio.sleep(self.delay)
        fault = self._next_fault(request)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return web.Response(
                status=fault.status, text=fault.body, headers=CIMultiDict(fault.headers),
                content_type="application/json",
            )  # fmt: skip
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
            text=json.dumps(items[page * limit : (page + 1) * limit]),
            content_type="application/json",
            headers=limit_headers,
        )

    def _next_fault(self, request: web.Request) -> Fault | None:
        if self._faults:
            return self._faults.popleft()
        queued = self._day_faults.get(request.query.get("date", ""))
        return queued.popleft() if queued else self.refuse

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
