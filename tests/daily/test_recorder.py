"""The recorder settles every outcome it was given, whatever stops it from recording one.

A future left unsettled would hold the daily pass for ever (the pass awaits every outcome before it
ends), and with it every later post of the process.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.daily.recorder import Move, Recorder
from bot.store import ChannelRef, State

CHANNEL = ChannelRef("slack", "T1", "C1")


async def test_an_outcome_that_cannot_be_sent_settles_every_future_in_its_batch(state: State) -> None:
    recorder = Recorder(state.redis, state.keys, retries=0)
    ok = recorder.submit(Move(CHANNEL, 1.0, None), ("PING",))
    unsendable = recorder.submit(Move(CHANNEL, 1.0, None), ("ECHO", object()))  # not RESP-encodable
    results = await asyncio.wait_for(asyncio.gather(ok, unsendable), 5)
    assert all(isinstance(r, TypeError) for r in results)


async def test_outcomes_submitted_after_a_failed_flush_are_still_recorded(state: State) -> None:
    recorder = Recorder(state.redis, state.keys, retries=0)
    failed = recorder.submit(Move(CHANNEL, 1.0, None), ("ECHO", object()))
    assert isinstance(await asyncio.wait_for(failed, 5), TypeError)
    later = recorder.submit(Move(CHANNEL, 2.0, None), ("ECHO", "recorded"))
    assert await asyncio.wait_for(later, 5) == "recorded"
    assert await state.redis.zscore(state.keys.due("slack"), CHANNEL.member) == 2.0


async def test_a_cancelled_flush_settles_its_futures_with_an_error(state: State) -> None:
    recorder = Recorder(state.redis, state.keys, retries=0)
    future = recorder.submit(Move(CHANNEL, 1.0, None), ("ECHO", "x"))
    assert recorder._task is not None
    recorder._task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await recorder._task
    assert isinstance(future.result(), Exception)
