"""Item 1: Redis restarted in the middle of a daily fan-out of 1,000 channels.

The engine runs as the apps run it (bot.daily.loop.DailyLoop, the production connection pool from
`open_state`) against a Redis of its own with AOF. When 300 channels have their post, Redis is
stopped (SIGTERM, or SIGKILL) and started again on the same port and data directory, while the
sends in flight go on. Afterwards every channel has exactly one message on the platform and a
recorded post in Redis: none twice, none forgotten. The lists come from the fake HF API.
"""

from __future__ import annotations

import asyncio
import io
import signal
import time
from datetime import timedelta

import pytest

from bot.daily import DailyEngine
from bot.daily.loop import DailyLoop
from bot.store import ChannelRef, State, open_state
from tests.conftest import suite_settings
from tests.daily.conftest import TODAY, at, papers_of, serve
from tests.fakes.hf import FakeHF
from tests.fakes.platform import RecordingPlatform, running_clock
from tests.faults.conftest import Figures, RestartableRedis

pytestmark = [pytest.mark.faults, pytest.mark.timeout(120)]

CHANNELS = 1000
RESTART_AT = 300  # channels posted when Redis goes down
NOW = at(TODAY, 12)
PASS_LIMIT = 45.0  # seconds; a pass of 1,000 channels takes 1-5 s here


def task_stacks() -> str:
    """Where each asyncio task of this loop is waiting, for a failure message."""
    out = io.StringIO()
    for task in asyncio.all_tasks():
        task.print_stack(limit=8, file=out)
    return out.getvalue()


def serve_recent_lists(fake_hf: FakeHF) -> None:
    """The fake HF API lists ten papers on each of the seven days up to TODAY, and nothing else."""
    fake_hf.days.clear()
    serve(fake_hf, {TODAY - timedelta(days=i): papers_of(TODAY - timedelta(days=i)) for i in range(7)})


async def subscribe_all(state: State, count: int = CHANNELS, platform: str = "slack") -> list[ChannelRef]:
    channels = [ChannelRef(platform, f"T{i % 7}", f"C{i:05d}") for i in range(count)]
    for start in range(0, count, 100):
        await asyncio.gather(
            *(state.subscriptions.subscribe(ch, by="test") for ch in channels[start : start + 100])
        )
    return channels


async def unrecorded(state: State, channels: list[ChannelRef], now) -> list[ChannelRef]:
    missing = []
    for start in range(0, len(channels), 200):
        chunk = channels[start : start + 200]
        statuses = await asyncio.gather(*(state.subscriptions.status(ch, now=now) for ch in chunk))
        missing += [ch for ch, s in zip(chunk, statuses, strict=True) if s is None or not s.posted_today]
    return missing


@pytest.mark.parametrize(
    ("how", "down"),
    [(signal.SIGTERM, 0.2), (signal.SIGKILL, 0.2), (signal.SIGKILL, 4.0)],
    ids=["sigterm-0.2s", "sigkill-0.2s", "sigkill-4s"],
)
async def test_redis_restart_mid_fanout(
    restartable_redis: RestartableRedis,
    fake_hf: FakeHF,
    tmp_path,
    figures: Figures,
    how: signal.Signals,
    down: float,
) -> None:
    serve_recent_lists(fake_hf)
    settings = suite_settings(
        restartable_redis.url,
        "faults",
        tmp_path,
        fake_hf,
        daily_lease_seconds=1.0,
        daily_batch_size=100,
        daily_send_concurrency=20,
    )
    state = await open_state(settings)  # with its own HFSource, as the apps run it
    started = time.monotonic()
    try:
        channels = await subscribe_all(state)
        platform = RecordingPlatform(latency=0.02)
        clock = running_clock(NOW)
        loop = DailyLoop(
            DailyEngine(state), platform.send, "slack", 0.1, find_sent=platform.find_sent, clock=clock
        )
        failed_passes, reports = 0, []
        restart: asyncio.Future[None] | None = None
        posted_at_restart = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            task = asyncio.ensure_future(loop.run_once())
            pass_deadline = time.monotonic() + PASS_LIMIT
            while not task.done():
                if time.monotonic() > pass_deadline:
                    pytest.fail(f"a pass outlived {PASS_LIMIT} s; where every task waits:\n{task_stacks()}")
                if restart is None and platform.channels >= RESTART_AT:
                    posted_at_restart = platform.channels
                    restart = asyncio.ensure_future(asyncio.to_thread(restartable_redis.restart, how, down))
                await asyncio.sleep(0.005)
            report = task.result()
            if report is None:
                failed_passes += 1
            else:
                reports.append(report)
            if (
                restart is not None
                and restart.done()
                and platform.channels == CHANNELS
                and report
                and report.due == 0
            ):
                break
            await asyncio.sleep(loop.tick_seconds)
        assert restart is not None and restart.done()
        restart.result()
        missing = await unrecorded(state, channels, clock())
    finally:
        await state.aclose()
    repeated = platform.repeated()
    figures.add(
        f"item1 redis restart ({how.name}, down {down}s)",
        channels=CHANNELS,
        posted_when_redis_went_down=posted_at_restart,
        failed_passes=failed_passes,
        passes=len(reports) + failed_passes,
        recovered=sum(r.recovered for r in reports),
        confirmed_by_find_sent=sum(r.confirmed for r in reports),
        platform_calls=platform.calls,
        channels_posted=platform.channels,
        posted_twice=len(repeated),
        unrecorded=len(missing),
        seconds=round(time.monotonic() - started, 1),
    )
    assert platform.channels == CHANNELS, "a channel was forgotten"
    assert repeated == [], f"posted twice: {repeated[:5]}"
    assert platform.calls == CHANNELS
    assert missing == [], f"{len(missing)} posts not recorded, e.g. {missing[:3]}"
    assert loop.last_error is None
