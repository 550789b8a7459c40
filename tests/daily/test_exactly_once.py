"""Exactly once across processes: three engine replicas, 500 due channels, one Redis.

Each replica is a separate Python process (tests/daily/engine_worker.py) with its own
connections; the platform they post to records every call in Redis. One replica is killed
with SIGKILL in the middle and restarted: still no channel gets two posts, none is missed.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.store import ChannelRef, State
from tests.daily.conftest import TODAY, at
from tests.fakes.hf import FakeHF

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = 500
NOW = at(TODAY, 12)


async def prepare(state: State, fake_hf: FakeHF) -> list[ChannelRef]:
    channels = [ChannelRef("slack", f"T{i % 7}", f"C{i:04d}") for i in range(CHANNELS)]
    for start in range(0, CHANNELS, 50):
        await asyncio.gather(
            *(state.subscriptions.subscribe(ch, by="test") for ch in channels[start : start + 50])
        )
    lookback = state.settings.daily_lookback_days
    from datetime import timedelta

    await state.papers.days([TODAY - timedelta(days=i) for i in range(lookback)], today=TODAY)  # shared cache
    fake_hf.down = 503  # the workers must read the lists from the shared cache
    return channels


async def start(redis_url: str, state: State, name: str, **options: object) -> asyncio.subprocess.Process:
    args = {
        "url": redis_url, "prefix": state.keys.prefix, "hf": state.settings.hf_base, "now": NOW.isoformat(),
        "name": name, **options,
    }  # fmt: skip
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.daily.engine_worker", json.dumps(args),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def finish(process: asyncio.subprocess.Process) -> dict:
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-3000:]
    return json.loads(out.decode().strip().splitlines()[-1])


async def calls_of(state: State) -> list[tuple[str, str, str, str]]:
    rows = await state.redis.lrange(f"{state.keys.prefix}:sink:calls", 0, -1)
    return [tuple(row.split("|")) for row in rows]  # type: ignore[misc]


async def wait_for_calls(state: State, worker: str, count: int) -> None:
    for _ in range(600):
        if sum(1 for c in await calls_of(state) if c[0] == worker) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{worker} never made {count} calls")


async def check_posted_records(state: State, channels: list[ChannelRef]) -> None:
    for ch in channels:
        assert len(await state.subscriptions.posted(ch)) == 5, ch
        status = await state.subscriptions.status(ch, now=NOW)
        assert status is not None and status.posted_today and status.last_post_count == 5


async def test_three_replicas_post_each_channel_once(redis_url: str, state: State, fake_hf: FakeHF) -> None:
    channels = await prepare(state, fake_hf)
    workers = [await start(redis_url, state, f"w{i}", mode="lookup", delay=0.002) for i in range(3)]
    reports = [await finish(w) for w in workers]
    calls = await calls_of(state)
    per_channel = Counter(c[1] for c in calls)
    assert len(per_channel) == CHANNELS and set(per_channel.values()) == {1}
    assert sum(r["posted"] for r in reports) == CHANNELS
    assert sum(1 for r in reports if r["posted"]) >= 2, reports  # the work was shared
    await check_posted_records(state, channels)


async def test_kill_9_mid_run_and_restart(redis_url: str, state: State, fake_hf: FakeHF) -> None:
    channels = await prepare(state, fake_hf)
    options = {"mode": "lookup", "delay": 0.01, "lease": 1.0}
    workers = [await start(redis_url, state, f"w{i}", **options) for i in range(3)]
    await wait_for_calls(state, "w0", 15)
    workers[0].send_signal(signal.SIGKILL)
    await workers[0].wait()
    assert workers[0].returncode == -signal.SIGKILL
    workers[0] = await start(redis_url, state, "w0-restarted", **options)
    reports = [await finish(w) for w in workers]
    assert sum(r["recovered"] for r in reports) >= 1, reports  # the dead replica's claims were taken over
    per_channel = Counter(c[1] for c in await calls_of(state))
    assert len(per_channel) == CHANNELS, "a channel was missed"
    assert set(per_channel.values()) == {1}, [k for k, v in per_channel.items() if v > 1]
    await check_posted_records(state, channels)


async def test_crash_between_platform_and_record(redis_url: str, state: State, fake_hf: FakeHF) -> None:
    """The worst moment: the platform accepted the post, the engine dies before recording it.
    With `find_sent` the survivors find the post and record it instead of posting again."""
    channels = await prepare(state, fake_hf)
    options = {"mode": "lookup", "delay": 0.002, "lease": 0.5}
    workers = [await start(redis_url, state, "w0", crash_after=10, **options)]
    workers += [await start(redis_url, state, f"w{i}", **options) for i in (1, 2)]
    _, err = await workers[0].communicate()
    assert workers[0].returncode == -signal.SIGKILL, err.decode()[-2000:]
    reports = [await finish(w) for w in workers[1:]]
    per_channel = Counter(c[1] for c in await calls_of(state))
    assert len(per_channel) == CHANNELS and set(per_channel.values()) == {1}
    assert sum(r["confirmed"] for r in reports) >= 1  # the crashed post was found, not re-sent
    await check_posted_records(state, channels)


async def test_crash_with_an_idempotent_platform(redis_url: str, state: State, fake_hf: FakeHF) -> None:
    """Without `find_sent`, a post in flight at the crash is sent again with the same key: a
    platform that honours it (Discord's nonce) still shows one message per channel."""
    await prepare(state, fake_hf)
    options = {"mode": "nonce", "delay": 0.002, "lease": 0.5, "concurrency": 4}
    workers = [await start(redis_url, state, "w0", crash_after=10, **options)]
    workers += [await start(redis_url, state, f"w{i}", **options) for i in (1, 2)]
    await workers[0].wait()
    for w in workers[1:]:
        await finish(w)
    messages = await state.redis.hlen(f"{state.keys.prefix}:sink:msgs")
    assert messages == CHANNELS
    calls = Counter(c[1] for c in await calls_of(state))
    repeated = [k for k, v in calls.items() if v > 1]
    assert len(calls) == CHANNELS and len(repeated) <= 4  # at most the sends in flight at the crash
