"""The shared HF list cache: freshness, single flight across callers and processes, outages."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from redis.asyncio import Redis

from bot.settings import Settings
from bot.source.hf_client import SourceUnavailable
from bot.store import PaperCache, State
from tests.factories import make_paper
from tests.store.conftest import FakeHF

TODAY = date(2025, 10, 15)


def day_of(day: date, n: int = 3) -> list:
    return [make_paper(f"2510.{day.day:02d}{i:03d}", day=day, upvotes=50 - i) for i in range(n)]


class Clock:
    def __init__(self, now: float = 1_760_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def cache(state: State, hf: FakeHF, clock: Clock, **kwargs: float) -> PaperCache:
    return PaperCache(state.redis, state.keys, hf, clock=clock, **kwargs)


async def test_fresh_copy_needs_no_fetch(state: State, hf: FakeHF) -> None:
    hf.days[TODAY] = day_of(TODAY)
    clock = Clock()
    first = cache(state, hf, clock)
    assert [p.id for p in await first.papers_for_day(TODAY, today=TODAY)] == [p.id for p in hf.days[TODAY]]
    other_process = cache(state, hf, clock)  # e.g. another replica: reads Redis, not HF
    assert await other_process.papers_for_day(TODAY, today=TODAY) == hf.days[TODAY]
    assert hf.calls == [TODAY]


async def test_recent_days_expire_sooner_than_past_days(state: State, hf: FakeHF) -> None:
    old = TODAY - timedelta(days=5)
    hf.days = {TODAY: day_of(TODAY), old: day_of(old)}
    clock = Clock()
    c = cache(state, hf, clock, recent_seconds=600, past_seconds=86400)
    await c.days([TODAY, old], today=TODAY)
    clock.now += 601
    await c.days([TODAY, old], today=TODAY)
    assert hf.calls == [TODAY, old, TODAY]
    clock.now += 86400
    await c.days([TODAY, old], today=TODAY)
    assert sorted(hf.calls[3:]) == [old, TODAY]


async def test_single_flight_in_one_process(state: State, hf: FakeHF) -> None:
    hf.days[TODAY] = day_of(TODAY)
    hf.delay = 0.05
    c = cache(state, hf, Clock())
    results = await asyncio.gather(*(c.papers_for_day(TODAY, today=TODAY) for _ in range(50)))
    assert all(r == hf.days[TODAY] for r in results)
    assert hf.calls == [TODAY]


async def test_single_flight_across_replicas(redis_url: str, redis_settings: Settings, state: State) -> None:
    """Ten caches on ten connections (ten replicas) ask at once: one HF request."""
    hf = FakeHF({TODAY: day_of(TODAY)})
    hf.delay = 0.1
    clients = [Redis.from_url(redis_url, decode_responses=True) for _ in range(10)]
    try:
        caches = [PaperCache(r, state.keys, hf, poll_seconds=0.01) for r in clients]
        results = await asyncio.gather(*(c.papers_for_day(TODAY, today=TODAY) for c in caches))
    finally:
        for r in clients:
            await r.aclose()
    assert all(r == hf.days[TODAY] for r in results)
    assert hf.calls == [TODAY]


async def test_outage_serves_the_stale_copy(state: State, hf: FakeHF) -> None:
    hf.days[TODAY] = day_of(TODAY)
    clock = Clock()
    c = cache(state, hf, clock, recent_seconds=60)
    await c.papers_for_day(TODAY, today=TODAY)
    clock.now += 120
    hf.fail = "HTTP 503"
    assert await c.papers_for_day(TODAY, today=TODAY) == hf.days[TODAY]
    assert len(hf.calls) == 2


async def test_outage_without_copy_fails_fast_for_everyone(state: State, hf: FakeHF) -> None:
    hf.fail = "HTTP 503"
    c = cache(state, hf, Clock())
    with pytest.raises(SourceUnavailable, match="503"):
        await c.papers_for_day(TODAY, today=TODAY)
    other = cache(state, hf, Clock())  # a replica asking right after: the error is remembered
    with pytest.raises(SourceUnavailable, match="503"):
        await other.papers_for_day(TODAY, today=TODAY)
    assert hf.calls == [TODAY]
    result = await c.days([TODAY], today=TODAY)
    assert isinstance(result[TODAY], SourceUnavailable)


async def test_future_days_are_empty_without_asking(state: State, hf: FakeHF) -> None:
    c = cache(state, hf, Clock())
    assert await c.papers_for_day(TODAY + timedelta(days=1), today=TODAY) == []
    assert hf.calls == []


async def test_latest_day_with_papers(state: State, hf: FakeHF) -> None:
    weekend = TODAY - timedelta(days=2)
    hf.days = {weekend: day_of(weekend)}  # today and yesterday are empty (a Sunday morning, say)
    c = cache(state, hf, Clock())
    found = await c.latest_day_with_papers(today=TODAY)
    assert found is not None and found[0] == weekend and found[1] == hf.days[weekend]
    assert (
        await cache(state, FakeHF(), Clock()).latest_day_with_papers(today=TODAY - timedelta(days=30)) is None
    )


async def test_latest_day_when_hf_is_down(state: State, hf: FakeHF) -> None:
    hf.fail = "timed out"
    with pytest.raises(SourceUnavailable):
        await cache(state, hf, Clock()).latest_day_with_papers(today=TODAY, max_days_back=2)


async def test_latest_day_is_not_guessed_when_recent_days_fail(state: State, hf: FakeHF) -> None:
    """Today and yesterday unreadable, older days empty: "HF is down", not "no papers this week"."""
    hf.failing_days = {TODAY, TODAY - timedelta(days=1)}
    with pytest.raises(SourceUnavailable, match="timed out"):
        await cache(state, hf, Clock()).latest_day_with_papers(today=TODAY, max_days_back=3)


async def test_round_trip_keeps_every_field(state: State, hf: FakeHF) -> None:
    paper = make_paper(
        "2510.09999", day=TODAY, github="https://github.com/a/b", stars=12, organization="Org",
        ai_summary="Sum.", ai_keywords=["k1", "k2"], authors=["A B", "C D"],
    )  # fmt: skip
    hf.days[TODAY] = [paper]
    await cache(state, hf, Clock()).papers_for_day(TODAY, today=TODAY)
    assert await cache(state, FakeHF(), Clock()).papers_for_day(TODAY, today=TODAY) == [paper]
