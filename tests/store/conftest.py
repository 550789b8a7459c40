"""A State on the suite's real redis-server whose lists come over HTTP from the fake HF API.

Serve a day with `fake_hf.days[day.isoformat()] = api_items(papers)` (tests/factories.py); the real
`HFSource` (the `hf_source` fixture) fetches and parses it back into those papers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.settings import Settings
from bot.source.hf_client import HFSource
from bot.store import State, build_state
from bot.store.scripts import load_scripts


@pytest.fixture
async def state(redis_client: Redis, settings: Settings, hf_source: HFSource) -> AsyncIterator[State]:
    await load_scripts(redis_client)
    yield build_state(redis_client, settings, hf_source.fetch_day)
