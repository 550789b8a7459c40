"""The shared record "HF is limited until T" in Redis: replicas hold back, the cache says when HF is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from redis.asyncio import Redis

from bot.settings import Settings
from bot.source.hf_client import DEFAULT_LIMIT_WAIT, HFSource, SourceUnavailable
from bot.store import PaperCache, State
from bot.store.embedded import free_port
from bot.store.keys import Keys
from bot.store.rate_limit import SharedRateLimit
from tests.factories import api_items, make_paper
from tests.fakes.hf import FakeHF, Fault

TODAY = date(2025, 10, 15)
YESTERDAY = TODAY - timedelta(days=1)
HF_429 = {"RateLimit": '"api";r=0;t=1', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
SLACK = 0.6  # the client's jitter (0.5 s) and a busy machine


@pytest.fixture(autouse=True)
def serve_two_days(fake_hf: FakeHF) -> None:
    """The fake HF API lists one paper on TODAY and one on YESTERDAY."""
    for day in (TODAY, YESTERDAY):
        fake_hf.days[day.isoformat()] = api_items([make_paper(f"2510.{day.day:02d}001", day=day)])


class Replica:
    """One bot process: its own Redis connections, HF client and cache, sharing Redis's record."""

    def __init__(self, redis_url: str, settings: Settings) -> None:
        self.redis = Redis.from_url(redis_url, decode_responses=True)
        self.limit = SharedRateLimit(self.redis, Keys(settings.redis_key_prefix))
        production = settings.model_copy(update={"hf_max_retries": 4})
        self.source = HFSource(production, shared=self.limit)
        self.cache = PaperCache(
            self.redis, Keys(settings.redis_key_prefix), self.source.fetch_day, limit=self.limit
        )

    async def aclose(self) -> None:
        await self.source.aclose()
        await self.redis.aclose()


@pytest.fixture
async def replicas(redis_url: str, settings: Settings) -> AsyncIterator[list[Replica]]:
    made = [Replica(redis_url, settings) for _ in range(2)]
    yield made
    for replica in made:
        await replica.aclose()


async def test_the_later_end_is_kept_and_the_record_expires(redis_client: Redis, key_prefix: str) -> None:
    keys = Keys(key_prefix)
    limit = SharedRateLimit(redis_client, keys)
    now = time.time()
    await limit.hold(now + 5)
    await limit.hold(now + 0.3)  # an earlier end never shortens a known limit
    assert abs((await limit.until() or 0) - (now + 5)) < 0.01
    assert 4000 < await redis_client.pttl(keys.hf_limited()) <= 5000
    await redis_client.delete(keys.hf_limited())
    await limit.hold(now + 0.3)
    await limit.hold(now - 10)  # already over: nothing to record
    assert await limit.until() is not None
    await asyncio.sleep(0.4)
    assert await limit.until() is None and not await redis_client.exists(keys.hf_limited())


async def test_redis_down_forgets_instead_of_failing(key_prefix: str) -> None:
    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}", socket_connect_timeout=0.5)
    limit = SharedRateLimit(dead, Keys(key_prefix))
    try:
        await limit.hold(time.time() + 5)
        assert await limit.until() is None
    finally:
        await dead.aclose()


async def test_a_limit_one_replica_meets_holds_back_the_others(
    replicas: list[Replica], fake_hf: FakeHF
) -> None:
    """Replica A's request is refused (HF's headers, t=1); its `/papers` answer says when HF is
    back; replica B, asking for another day meanwhile, sends nothing before the reset."""
    a, b = replicas
    fake_hf.fail(Fault(429, headers=HF_429))
    asked = time.time()
    today = await a.cache.days([TODAY], today=TODAY, wait=0.3)
    answered = time.time()
    failure = today[TODAY]
    assert isinstance(failure, SourceUnavailable) and "asked us to wait" in str(failure)
    assert failure.retry_at is not None and 0.9 <= failure.retry_at.timestamp() - asked <= 1.1 + 0.3
    assert answered - asked < 0.6  # the command's wait, not the reset
    assert len(await b.cache.papers_for_day(YESTERDAY, today=TODAY)) == 1
    assert len(await a.cache.papers_for_day(TODAY, today=TODAY)) == 1  # joins A's fetch, still going
    limited, *later = fake_hf.requests
    assert limited["status"] == 429 and [r["status"] for r in later] == [200, 200]
    assert all(1.0 <= r["at"] - limited["at"] <= 1.0 + SLACK for r in later), later


async def test_the_failure_memory_ends_at_the_reset(state: State, fake_hf: FakeHF) -> None:
    """A fetch refused with t=1 (no retries) is remembered as failed until the reset only, not for
    the usual 20 s: whoever comes back at the reset gets the list."""
    fake_hf.fail(Fault(429, headers=HF_429))
    with pytest.raises(SourceUnavailable) as caught:
        await state.papers.papers_for_day(TODAY, today=TODAY)
    assert caught.value.retry_at is not None
    with pytest.raises(SourceUnavailable) as again:  # before the reset: no request, same answer
        await state.papers.papers_for_day(TODAY, today=TODAY)
    assert again.value.retry_at is not None and len(fake_hf.requests) == 1
    assert abs((again.value.retry_at - caught.value.retry_at).total_seconds()) < 0.01  # Redis keeps ms
    await asyncio.sleep(max(0.0, caught.value.retry_at.timestamp() - time.time()) + 0.05)
    assert len(await state.papers.papers_for_day(TODAY, today=TODAY)) == 1
    assert [r["status"] for r in fake_hf.requests] == [429, 200]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Retry-After": "0"}, {"RateLimit": '"api";r=0;t=0'}],
    ids=["no-headers", "retry-after-0", "ratelimit-t0"],
)
async def test_a_429_naming_no_moment_ahead_holds_back_the_other_replicas(
    replicas: list[Replica], fake_hf: FakeHF, headers: dict[str, str]
) -> None:
    """Review of issue 10 kind 3: a 429 without a usable reset was remembered nowhere, so each
    replica (and each retry) asked again within a second. Now A records the default wait in Redis;
    B's `/papers`-style read says when HF is back and sends nothing."""
    a, b = replicas
    fake_hf.refuse = Fault(429, headers=headers)
    asked = time.time()
    failure = (await a.cache.days([TODAY], today=TODAY, wait=0.3))[TODAY]
    assert isinstance(failure, SourceUnavailable) and failure.retry_at is not None
    shared = await b.limit.until()
    assert shared is not None and shared == pytest.approx(failure.retry_at.timestamp(), abs=0.01)
    assert DEFAULT_LIMIT_WAIT <= shared - asked <= DEFAULT_LIMIT_WAIT + 1
    failure = (await b.cache.days([YESTERDAY], today=TODAY, wait=0.3))[YESTERDAY]
    assert isinstance(failure, SourceUnavailable) and failure.retry_at is not None
    await asyncio.sleep(0.5)  # A's fetch waits for the reset, B's too: no request meanwhile
    assert len(fake_hf.requests) == 1
