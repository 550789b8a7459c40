"""The shared HF list cache: freshness, single flight across callers and processes, outages.

Lists come from the fake HF API (tests/fakes/hf.py) through the real HFSource; `fake_hf.days_asked()`
counts the fetches (one request per day: HF_MAX_RETRIES=0 and short lists).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from redis.asyncio import Redis

from bot.settings import Settings
from bot.source.hf_client import HFSource, SourceUnavailable
from bot.store import PaperCache, State
from tests.factories import api_items, make_paper
from tests.fakes.hf import FakeHF

TODAY = date(2025, 10, 15)


def day_of(day: date, n: int = 3) -> list:
    return [make_paper(f"2510.{day.day:02d}{i:03d}", day=day, upvotes=50 - i) for i in range(n)]


def serve(fake_hf: FakeHF, day: date, papers: list) -> list:
    fake_hf.days[day.isoformat()] = api_items(papers)
    return papers


class Clock:
    def __init__(self, now: float = 1_760_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def cache(state: State, source: HFSource, clock: Clock, **kwargs: float) -> PaperCache:
    return PaperCache(state.redis, state.keys, source.fetch_day, clock=clock, **kwargs)


async def test_fresh_copy_needs_no_fetch(state: State, fake_hf: FakeHF, hf_source: HFSource) -> None:
    papers = serve(fake_hf, TODAY, day_of(TODAY))
    clock = Clock()
    first = cache(state, hf_source, clock)
    assert [p.id for p in await first.papers_for_day(TODAY, today=TODAY)] == [p.id for p in papers]
    other_process = cache(state, hf_source, clock)  # e.g. another replica: reads Redis, not HF
    assert await other_process.papers_for_day(TODAY, today=TODAY) == papers
    assert fake_hf.days_asked() == [TODAY.isoformat()]


async def test_recent_days_expire_sooner_than_past_days(
    state: State, fake_hf: FakeHF, hf_source: HFSource
) -> None:
    old = TODAY - timedelta(days=5)
    serve(fake_hf, TODAY, day_of(TODAY))
    serve(fake_hf, old, day_of(old))
    clock = Clock()
    c = cache(state, hf_source, clock, recent_seconds=600, past_seconds=86400)
    await c.days([TODAY, old], today=TODAY)
    clock.now += 601
    await c.days([TODAY, old], today=TODAY)
    asked = fake_hf.days_asked()  # the two fetches of one call run concurrently: in either order
    assert sorted(asked[:2]) == sorted([TODAY.isoformat(), old.isoformat()])
    assert asked[2:] == [TODAY.isoformat()]
    clock.now += 86400
    await c.days([TODAY, old], today=TODAY)
    assert sorted(fake_hf.days_asked()[3:]) == [old.isoformat(), TODAY.isoformat()]


async def test_single_flight_in_one_process(state: State, fake_hf: FakeHF, hf_source: HFSource) -> None:
    papers = serve(fake_hf, TODAY, day_of(TODAY))
    fake_hf.delay = 0.05
    c = cache(state, hf_source, Clock())
    results = await asyncio.gather(*(c.papers_for_day(TODAY, today=TODAY) for _ in range(50)))
    assert all(r == papers for r in results)
    assert fake_hf.days_asked() == [TODAY.isoformat()]


async def test_single_flight_across_replicas(
    redis_url: str, settings: Settings, state: State, fake_hf: FakeHF
) -> None:
    """Ten caches on ten connections with ten HF clients (ten replicas) ask at once: one HF request."""
    papers = serve(fake_hf, TODAY, day_of(TODAY))
    fake_hf.delay = 0.1
    clients = [Redis.from_url(redis_url, decode_responses=True) for _ in range(10)]
    sources = [HFSource(settings) for _ in range(10)]
    try:
        caches = [
            PaperCache(r, state.keys, s.fetch_day, poll_seconds=0.01)
            for r, s in zip(clients, sources, strict=True)
        ]
        results = await asyncio.gather(*(c.papers_for_day(TODAY, today=TODAY) for c in caches))
    finally:
        for r, s in zip(clients, sources, strict=True):
            await r.aclose()
            await s.aclose()
    assert all(r == papers for r in results)
    assert fake_hf.days_asked() == [TODAY.isoformat()]


async def test_outage_serves_the_stale_copy(state: State, fake_hf: FakeHF, hf_source: HFSource) -> None:
    papers = serve(fake_hf, TODAY, day_of(TODAY))
    clock = Clock()
    c = cache(state, hf_source, clock, recent_seconds=60)
    await c.papers_for_day(TODAY, today=TODAY)
    clock.now += 120
    fake_hf.down = 503
    assert await c.papers_for_day(TODAY, today=TODAY) == papers
    assert fake_hf.days_asked() == [TODAY.isoformat()] * 2


async def test_outage_without_copy_fails_fast_for_everyone(
    state: State, fake_hf: FakeHF, hf_source: HFSource
) -> None:
    fake_hf.down = 503
    c = cache(state, hf_source, Clock())
    with pytest.raises(SourceUnavailable, match="503"):
        await c.papers_for_day(TODAY, today=TODAY)
    other = cache(state, hf_source, Clock())  # a replica asking right after: the error is remembered
    with pytest.raises(SourceUnavailable, match="503"):
        await other.papers_for_day(TODAY, today=TODAY)
    assert fake_hf.days_asked() == [TODAY.isoformat()]
    result = await c.days([TODAY], today=TODAY)
    assert isinstance(result[TODAY], SourceUnavailable)


async def test_future_days_are_empty_without_asking(
    state: State, fake_hf: FakeHF, hf_source: HFSource
) -> None:
    c = cache(state, hf_source, Clock())
    assert await c.papers_for_day(TODAY + timedelta(days=1), today=TODAY) == []
    assert fake_hf.requests == []


async def test_latest_day_with_papers(state: State, fake_hf: FakeHF, hf_source: HFSource) -> None:
    weekend = TODAY - timedelta(days=2)
    papers = serve(fake_hf, weekend, day_of(weekend))  # today and yesterday are empty (a Sunday morning, say)
    c = cache(state, hf_source, Clock())
    found = await c.latest_day_with_papers(today=TODAY)
    assert found is not None and found[0] == weekend and found[1] == papers
    assert (
        await cache(state, hf_source, Clock()).latest_day_with_papers(today=TODAY - timedelta(days=30))
        is None
    )


async def test_latest_day_when_hf_is_down(state: State, fake_hf: FakeHF, hf_source: HFSource) -> None:
    fake_hf.down = 504
    with pytest.raises(SourceUnavailable):
        await cache(state, hf_source, Clock()).latest_day_with_papers(today=TODAY, max_days_back=2)


async def test_latest_day_is_not_guessed_when_recent_days_fail(
    state: State, fake_hf: FakeHF, hf_source: HFSource
) -> None:
    """Today and yesterday unreadable, older days empty: "HF is down", not "no papers this week"."""
    fake_hf.failing_days = {TODAY.isoformat(), (TODAY - timedelta(days=1)).isoformat()}
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        await cache(state, hf_source, Clock()).latest_day_with_papers(today=TODAY, max_days_back=3)


async def test_round_trip_keeps_every_field(state: State, fake_hf: FakeHF, hf_source: HFSource) -> None:
    paper = make_paper(
        "2510.09999", day=TODAY, github="https://github.com/a/b", stars=12, organization="Org",
        ai_summary="Sum.", ai_keywords=["k1", "k2"], authors=["A B", "C D"],
    )  # fmt: skip
    serve(fake_hf, TODAY, [paper])
    await cache(state, hf_source, Clock()).papers_for_day(TODAY, today=TODAY)
    fake_hf.days.clear()  # HF lists nothing now: what follows is Redis's copy
    assert await cache(state, hf_source, Clock()).papers_for_day(TODAY, today=TODAY) == [paper]
    assert fake_hf.days_asked() == [TODAY.isoformat()]
