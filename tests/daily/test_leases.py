"""Lease renewal stops when the pass ends, even when a client library swallows the cancellation.

The landing CI run once hung in a Redis-restart test: the pass had ended, but its heartbeat task
was "cancelling" and asleep, so `await heartbeat` never returned and no later post was made.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.daily.leases import Leases


class SwallowingPool(BlockingConnectionPool):
    """A pool whose wait for a connection turns a cancellation into an error, as library bugs do."""

    entered: asyncio.Event

    async def get_connection(self, *args: object, **kwargs: object):  # type: ignore[override]
        self.entered.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            raise RedisConnectionError("interrupted") from None
        raise AssertionError("unreachable")


async def test_renewal_ends_with_the_block_even_if_its_cancellation_is_swallowed() -> None:
    pool = SwallowingPool.from_url("redis://127.0.0.1:1/0")
    pool.entered = asyncio.Event()
    redis = Redis(connection_pool=pool)
    leases = Leases(redis, owner="me", lease_ms=150)  # renews every 50 ms
    leases.hold("claim-a")

    async def one_pass() -> None:
        async with leases.renewing():
            await pool.entered.wait()  # the heartbeat is waiting inside the library

    await asyncio.wait_for(one_pass(), 5)
    assert leases.holds("claim-a")  # renewal failing never drops a claim by itself
