"""A State on the suite's real redis-server, with an in-memory stand-in for the HF API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from redis.asyncio import Redis

from bot.papers import Paper
from bot.settings import Settings
from bot.source.hf_client import SourceUnavailable
from bot.store import State, build_state
from bot.store.scripts import load_scripts


class FakeHF:
    """Days of papers served like HFSource.fetch_day; counts calls; can fail or be slow."""

    def __init__(self, days: dict[date, list[Paper]] | None = None) -> None:
        self.days = days or {}
        self.calls: list[date] = []
        self.fail: str | None = None
        self.failing_days: set[date] = set()  # only these days fail (with "timed out")
        self.delay = 0.0

    async def __call__(self, day: date) -> list[Paper]:
        import asyncio

        self.calls.append(day)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail or day in self.failing_days:
            raise SourceUnavailable(self.fail or "timed out")
        return list(self.days.get(day, []))


@pytest.fixture
def hf() -> FakeHF:
    return FakeHF()


@pytest.fixture
async def state(redis_client: Redis, redis_settings: Settings, hf: FakeHF) -> AsyncIterator[State]:
    await load_scripts(redis_client)
    yield build_state(redis_client, redis_settings, hf)
