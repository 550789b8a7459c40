"""The daily pass while Hugging Face rate-limits us: it comes back at the reset, counting no failure.

HF (the local fake) has its quota used up for the next 2 s and says so as HF does (429 with
`RateLimit: "api";r=0;t=2`). The HF clients (production retries) wait out at most 0.5 s in a
fetch, so the pass ends at once saying when HF is back, and the daily loop (ticking every 60 s)
runs its next pass then. A 429 that names no moment ahead still holds the loop back; a limit on
one list day alone (today's) holds the posts back until the reset, not posted from older lists.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from bot.daily import DailyEngine, Delivery
from bot.daily.loop import DailyLoop
from bot.settings import Settings
from bot.source.hf_client import DEFAULT_LIMIT_WAIT, HFSource
from bot.store import ChannelRef, State, build_state
from bot.store.keys import Keys
from bot.store.rate_limit import SharedRateLimit
from bot.store.scripts import load_scripts
from tests.daily.conftest import TODAY, at
from tests.fakes.hf import FakeHF, Fault, Window
from tests.fakes.platform import Sink

CHANNELS = [ChannelRef("slack", "T1", f"C{i}") for i in range(3)]
NOW = at(TODAY, 10)
POLICY = {"RateLimit-Policy": '"fixed window";"api";q=500;w=300'}


class AllSent(Sink):
    """A Sink that tells when `expected` posts (by default one per channel of CHANNELS) went out."""

    def __init__(self, expected: int = len(CHANNELS)) -> None:
        super().__init__()
        self.expected = expected
        self.done = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> str:
        message = await super().__call__(delivery)
        if len(self.sent) == self.expected:
            self.done.set()
        return message


async def replica(redis: Redis, settings: Settings) -> tuple[State, HFSource]:
    limit = SharedRateLimit(redis, Keys(settings.redis_key_prefix))
    production = settings.model_copy(update={"hf_max_retries": 4})
    source = HFSource(production, max_wait=0.5, shared=limit)
    return build_state(redis, settings, source.fetch_day, hf_limit=limit), source


@pytest.fixture
async def states(redis_client: Redis, engine_settings: Settings) -> AsyncIterator[list[State]]:
    await load_scripts(redis_client)
    made = [await replica(redis_client, engine_settings) for _ in range(2)]
    yield [state for state, _ in made]
    for _, source in made:
        await source.aclose()


async def test_the_pass_comes_back_at_the_reset(states: list[State], fake_hf: FakeHF) -> None:
    state, other = states
    for channel in CHANNELS:
        await state.subscriptions.subscribe(channel, by="u")
    fake_hf.rate_limit = Window.exhausted(quota=100, seconds=2.0)
    reset = fake_hf.rate_limit.ends
    sink = AllSent()
    loop = DailyLoop(DailyEngine(state), sink, "slack", tick_seconds=60, clock=lambda: NOW)

    report = await loop.run_once()
    assert report is not None and report.source_unavailable and sink.sent == []
    assert report.source_back_at is not None
    assert 1.5 <= report.source_back_at - time.time() <= 2.5
    assert 1.5 <= loop.pause_after(report) <= 2.5  # not the 60 s tick
    assert await state.redis.keys(f"{state.keys.prefix}:claim:*") == []  # nothing claimed, no attempt
    refused = len(fake_hf.requests)
    # At most one 429 per list day (asked at once); a day asked after the first 429 is held back.
    assert 1 <= refused == len(fake_hf.limited()) <= 4

    # Another replica's pass meanwhile: it knows from Redis, and asks HF nothing.
    elsewhere = await DailyEngine(other).run_due(NOW, Sink())
    assert elsewhere.source_unavailable and elsewhere.source_back_at == pytest.approx(
        report.source_back_at, abs=0.01
    )
    assert len(fake_hf.requests) == refused

    running = asyncio.create_task(loop.run_forever())
    try:
        await asyncio.wait_for(sink.done.wait(), 10)
    finally:
        running.cancel()
    after = fake_hf.requests[refused:]
    assert after and all(r["status"] == 200 and reset <= r["at"] <= reset + 0.7 for r in after), after
    assert [d.attempt for d in sink.sent] == [1] * len(CHANNELS)  # the wait counted as no attempt
    assert fake_hf.limited() == fake_hf.requests[:refused]


NO_MOMENT_AHEAD = {
    "retry-after-0": {"Retry-After": "0"},
    "retry-after-past-date": {"Retry-After": "Sat, 28 Nov 2026 23:48:42 GMT"},
    "ratelimit-t0": {"RateLimit": '"api";r=0;t=0', **POLICY},
    "no-headers": {},
}


@pytest.mark.parametrize("headers", list(NO_MOMENT_AHEAD.values()), ids=list(NO_MOMENT_AHEAD))
async def test_a_429_naming_no_moment_ahead_does_not_bring_the_pass_back_at_once(
    states: list[State], fake_hf: FakeHF, headers: dict[str, str]
) -> None:
    """Review of issue 10 kind 3: HF refusing every request with "come back now" (or no word at
    all) made the loop run pass after pass: 110-124 requests in 8 s. Now one request per list day
    asked at once, then nothing until the default wait is over, on this replica and the other."""
    state, other = states
    for channel in CHANNELS:
        await state.subscriptions.subscribe(channel, by="u")
    fake_hf.refuse = Fault(429, headers=headers)
    loop = DailyLoop(DailyEngine(state), Sink(), "slack", tick_seconds=60, clock=lambda: NOW)
    running = asyncio.create_task(loop.run_forever())
    await asyncio.sleep(2.0)
    running.cancel()
    assert 1 <= len(fake_hf.requests) <= state.settings.daily_lookback_days, len(fake_hf.requests)
    report = loop.last_report
    assert report is not None and report.source_unavailable and report.source_back_at is not None
    assert loop.pause_after(report) >= DEFAULT_LIMIT_WAIT - 2.5
    assert await state.redis.keys(f"{state.keys.prefix}:claim:*") == []
    asked = len(fake_hf.requests)
    elsewhere = await DailyEngine(other).run_due(NOW, Sink())  # learns the limit from Redis
    assert elsewhere.source_unavailable and elsewhere.source_back_at == pytest.approx(
        report.source_back_at, abs=0.01
    )
    assert len(fake_hf.requests) == asked


async def test_a_rate_limit_on_todays_list_alone_waits_for_the_reset(
    states: list[State], fake_hf: FakeHF
) -> None:
    """Review of issue 10 kind 4: older days cached, today's list refused (t=2): the pass posted
    at once from yesterday's list and marked the day covered. Now the channels stay due and are
    posted at HF's reset with today's list; only a channel whose local day ends before then (here
    Kiritimati, UTC+14, at 23:59:30) is posted from the cached lists, so its day is not lost."""
    state, _ = states
    late = ChannelRef("slack", "T1", "CLATE")
    for channel in CHANNELS:
        await state.subscriptions.subscribe(channel, by="u")
    await state.subscriptions.configure(late, by="u", timezone="Pacific/Kiritimati")
    now = datetime(2025, 10, 15, 9, 59, 30, tzinfo=UTC)
    older = [TODAY - timedelta(days=i) for i in range(1, state.settings.daily_lookback_days)]
    await state.papers.days(older, today=TODAY)  # read by an earlier pass
    fake_hf.fail_day(TODAY.isoformat(), Fault(429, headers={"RateLimit": '"api";r=0;t=2', **POLICY}))
    reset = time.monotonic() + 2
    sink = AllSent(len(CHANNELS) + 1)
    loop = DailyLoop(DailyEngine(state), sink, "slack", tick_seconds=60, clock=lambda: now)

    report = await loop.run_once()
    assert [d.channel for d in sink.sent] == [late], sink.sent
    assert sink.sent[0].digest.day == TODAY - timedelta(days=1)
    assert report is not None and report.deferred == len(CHANNELS) and not report.source_unavailable
    assert report.source_back_at is not None and 1.5 <= report.source_back_at - time.time() <= 2.5
    assert 1.5 <= loop.pause_after(report) <= 2.5  # at the reset, not at the 60 s tick
    claims = await state.redis.keys(
        f"{state.keys.prefix}:claim:*"
    )  # its claim, and the pre-upgrade key it marks
    assert claims and all("CLATE" in key for key in claims), claims  # the late channel's only

    running = asyncio.create_task(loop.run_forever())
    try:
        await asyncio.wait_for(sink.done.wait(), 10)
    finally:
        running.cancel()
    later = sink.sent[1:]
    assert {d.channel for d in later} == set(CHANNELS) and all(d.digest.day == TODAY for d in later)
    assert all(d.attempt == 1 for d in later)
    today = [r for r in fake_hf.requests if r["query"]["date"] == TODAY.isoformat()]
    assert [r["status"] for r in today] == [429, 200] and today[1]["at"] >= reset - 0.05
