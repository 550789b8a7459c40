"""`papers-bot doctor`: check every configured part and say what is wrong and how to fix it.

Redis and the Hugging Face API are checked here; each chat platform adds its own checks from
`adapters/<platform>/doctor.py` (they need the platform's SDK, which bot/ never imports).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.platforms import PLATFORMS
from bot.settings import Settings
from bot.source import HFSource, SourceUnavailable
from bot.store import RedisUnavailable, connect

CHECK_TIMEOUT = 15.0
PLATFORM_CHECKS = tuple(p.doctor_module for p in PLATFORMS.values())


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool | None  # None: not configured, nothing to check
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {True: "ok  ", False: "FAIL", None: "--  "}[self.ok]
        text = f"{mark} {self.name}: {self.detail}"
        return f"{text}\n     fix: {self.fix}" if self.fix else text


Checks = Callable[[Settings], Awaitable[list[Check]]]


async def check_redis(settings: Settings) -> list[Check]:
    where = settings.redis_url or f"embedded Redis in {settings.papers_data_dir}"
    try:
        redis = await connect(settings, socket_connect_timeout=5, socket_timeout=5)
    except RedisUnavailable as exc:
        fix = (
            "start Redis or correct REDIS_URL"
            if settings.redis_url
            else "unset REDIS_URL or check PAPERS_DATA_DIR"
        )
        return [Check("Redis", False, f"{where}: {exc}", fix)]
    try:
        server = await redis.info("server")
        persistence = await redis.info("persistence")
    finally:
        await redis.aclose()
    saved = "append-only file" if persistence.get("aof_enabled") else "snapshots only (or none)"
    detail = f"{where}: Redis {server.get('redis_version')}, persistence: {saved}"
    return [Check("Redis", True, detail)]


async def check_hf(settings: Settings) -> list[Check]:
    today = datetime.now(UTC).date()
    # A rate limit longer than a few seconds is reported with its end, not waited out.
    async with HFSource(settings.model_copy(update={"hf_max_retries": 1}), max_wait=5) as source:
        try:
            papers = await source.fetch_day(today)
        except SourceUnavailable as exc:
            fix = (
                "wait for the rate limit to end; HF_TOKEN raises it"
                if exc.retry_at
                else "check the network or HF_ENDPOINT"
            )
            return [Check("Hugging Face API", False, f"{settings.hf_base}: {exc}", fix)]
    return [
        Check("Hugging Face API", True, f"{settings.hf_base}: {len(papers)} papers listed today ({today})")
    ]


def _platform_checks() -> list[Checks]:
    return [importlib.import_module(name).checks for name in PLATFORM_CHECKS]


async def run_checks(settings: Settings) -> list[Check]:
    async def guarded(name: str, checks: Checks) -> list[Check]:
        try:
            return await asyncio.wait_for(checks(settings), CHECK_TIMEOUT)
        except TimeoutError:
            return [Check(name, False, f"no answer within {CHECK_TIMEOUT:.0f} s", "check the network")]

    groups = [("Redis", check_redis), ("Hugging Face API", check_hf)]
    groups += [(checks.__module__, checks) for checks in _platform_checks()]
    results = await asyncio.gather(*(guarded(name, checks) for name, checks in groups))
    return [check for group in results for check in group]


def report(checks: list[Check]) -> tuple[str, int]:
    """The printed report and the exit status (1 when anything failed)."""
    failed = sum(c.ok is False for c in checks)
    summary = f"{failed} problem(s) found." if failed else "Everything configured works."
    return "\n".join([*(c.line() for c in checks), "", summary]), 1 if failed else 0
