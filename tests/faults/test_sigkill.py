"""Item 5: one engine process killed with SIGKILL at random points of a fan-out, three times in a row.

Extends tests/daily/test_exactly_once.py (which kills one of three replicas once) with its own
worker (tests/daily/engine_worker.py) and helpers: 1,000 channels, one process lineage, killed
three times, each time at a random moment, either from outside after a random number of posts or
by itself right after the platform accepted a post and before the engine recorded it (the crash
window). Each time it is started again; the fourth run finishes the fan-out.

mode "lookup" (a platform the engine can ask, like Slack's metadata search): every channel gets
exactly one platform call. mode "nonce" (Discord's enforce_nonce, no lookup): a post in flight at a
kill may be sent again, with the same key, and the platform still holds one message per channel.
The seed is printed with the figures; FAULTS_SEED=N replays a run.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.source.hf_client import HFSource
from bot.store import build_state
from bot.store.scripts import load_scripts
from tests.conftest import suite_settings
from tests.daily.conftest import TODAY
from tests.daily.test_exactly_once import calls_of, check_posted_records, finish, start, wait_for_calls
from tests.fakes.hf import FakeHF
from tests.faults.conftest import Figures
from tests.faults.test_redis_restart import serve_recent_lists, subscribe_all

pytestmark = [pytest.mark.faults, pytest.mark.timeout(120)]

CHANNELS = 1000
KILLS = 3
CONCURRENCY = 8


@pytest.mark.parametrize("mode", ["lookup", "nonce"])
async def test_three_sigkills_in_a_row(
    mode: str,
    redis_url: str,
    redis_client: Redis,
    key_prefix: str,
    fake_hf: FakeHF,
    hf_source: HFSource,
    tmp_path,
    figures: Figures,
) -> None:
    await load_scripts(redis_client)
    serve_recent_lists(fake_hf)
    settings = suite_settings(redis_url, key_prefix, tmp_path, fake_hf)
    state = build_state(redis_client, settings, hf_source.fetch_day)
    seed = int(os.environ.get("FAULTS_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    channels = await subscribe_all(state, CHANNELS)
    days = [TODAY - timedelta(days=i) for i in range(state.settings.daily_lookback_days)]
    await state.papers.days(days, today=TODAY)
    fake_hf.down = 503  # the workers must read the lists from the shared cache
    options = {"mode": mode, "delay": 0.004, "lease": 1.0, "concurrency": CONCURRENCY}
    started = time.monotonic()
    kills = []
    for round_ in range(1, KILLS + 1):
        name = f"k{round_}"
        before = len(await calls_of(state))
        if rng.random() < 0.5:  # from outside, after a random number of this process's posts
            after = rng.randint(20, 200)
            worker = await start(redis_url, state, name, **options)
            await wait_for_calls(state, name, after)
            worker.send_signal(signal.SIGKILL)
            how = f"outside after {after}"
        else:  # by itself, right after the platform accepted its N-th post, before recording it
            after = rng.randint(20, 200)
            worker = await start(redis_url, state, name, crash_after=after, **options)
            how = f"self after {after}"
        _, err = await asyncio.wait_for(worker.communicate(), 60)
        assert worker.returncode == -signal.SIGKILL, err.decode()[-2000:]
        total = len(await calls_of(state))
        assert total < CHANNELS, "the fan-out was over before the kill"
        kills.append(f"{how} (calls {before}->{total})")
    report = await finish(await start(redis_url, state, "final", **options))
    calls = await calls_of(state)
    per_channel = Counter(c[1] for c in calls)
    messages = await state.redis.hlen(f"{state.keys.prefix}:sink:msgs")
    repeated = [k for k, v in per_channel.items() if v > 1]
    figures.add(
        f"item5 sigkill x{KILLS} in a row, mode {mode}",
        seed=seed,
        channels=CHANNELS,
        kills="; ".join(kills),
        recovered_by_final=report.get("recovered", 0),
        confirmed_by_lookup=report.get("confirmed", 0),
        platform_calls=len(calls),
        channels_sent_again=len(repeated),
        messages_on_platform=messages,
        missing=CHANNELS - len(per_channel),
        seconds=round(time.monotonic() - started, 1),
    )
    assert len(per_channel) == CHANNELS, "a channel was missed"
    assert messages == CHANNELS  # one message per channel on the platform
    if mode == "lookup":
        assert repeated == [], repeated[:5]  # not even a repeated call
    else:
        assert len(repeated) <= KILLS * CONCURRENCY  # only posts in flight at a kill, same key
    await check_posted_records(state, channels)
