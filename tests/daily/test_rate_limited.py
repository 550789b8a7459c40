"""The daily pass while Hugging Face rate-limits us: it comes back at the reset, counting no failure.

HF (the local fake) has its quota used up for the next 2 s and says so as HF does (429 with
`RateLimit: "api";r=0;t=2`). The HF clients wait out at most 0.5 s in a fetch, so the pass ends at
once saying when HF is back, and the daily loop (ticking every 60 s) runs its next pass then.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.daily import DailyEngine, Delivery
from bot.daily.loop import DailyLoop
from bot.settings import Settings
from bot.source.hf_client import HFSource
from bot.store import ChannelRef, State, build_state
from bot.store.keys import Keys
from bot.store.rate_limit import SharedRateLimit
from bot.store.scripts import load_scripts
from tests.daily.conftest import TODAY, Sink, at
from tests.fake_hf import FakeHF, Window

CHANNELS = [ChannelRef("slack", "T1", f"C{i}") for i in range(3)]
NOW = at(TODAY, 10)


class AllSent(Sink):
    """A Sink that tells when every channel got its post."""

    def __init__(self) -> None:
        super().__init__()
        self.done = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> str:
        message = await super().__call__(delivery)
        if len(self.sent) == len(CHANNELS):
            self.done.set()
        return message


async def replica(redis: Redis, settings: Settings) -> tuple[State, HFSource]:
    limit = SharedRateLimit(redis, Keys(settings.redis_key_prefix))
    source = HFSource(settings, max_wait=0.5, shared=limit)
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
