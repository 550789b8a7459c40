"""The claim leases one engine holds: renewed while it lives, dropped when lost, given back on cancel.

A claim's lease (DAILY_LEASE_SECONDS, in Redis server time) keeps other engines from taking over a
post this engine is about to send. `Leases.renewing` renews every held lease a third of a lease
apart; a claim that another engine took over meanwhile is dropped (its post, if unsent, is then
skipped). Renewal assumes an engine is not frozen longer than a lease. Design:
docs/daily-engine.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from bot.store import scripts

log = logging.getLogger(__name__)


class Leases:
    """The claim keys one engine holds (insertion-ordered), and those whose send has started."""

    def __init__(self, redis: Any, owner: str, lease_ms: int) -> None:
        self._redis = redis
        self.owner = owner
        self.lease_ms = lease_ms
        self._held: dict[str, None] = {}  # claim keys whose lease we renew
        self._sending: set[str] = set()  # held claim keys whose send has started in this pass

    def new_pass(self) -> None:
        self._sending.clear()

    def hold(self, key: str) -> None:
        self._held[key] = None

    def holds(self, key: str) -> bool:
        """False once the claim is finished or its lease was lost."""
        return key in self._held

    def any_held(self) -> bool:
        return bool(self._held)

    def start_send(self, key: str) -> None:
        """The send of `key` starts: it is no longer given back on cancel."""
        self._sending.add(key)

    def drop(self, key: str) -> None:
        """Stop renewing `key` (its outcome was recorded, or could not be)."""
        self._held.pop(key, None)

    @contextlib.asynccontextmanager
    async def renewing(self) -> AsyncIterator[None]:
        """Renew the held leases while the block runs; renewal has stopped when the block exits.

        Stopping does not rely on cancellation alone: a cancellation swallowed inside a client
        library (the landing CI run once saw the heartbeat sleep on, cancelled but not stopped,
        holding the pass for ever) still ends the heartbeat at its next turn, at most a third of a
        lease plus one renewal's reply timeout later.
        """
        stop = asyncio.Event()
        task = asyncio.create_task(self._heartbeat(stop))
        try:
            yield
        finally:
            stop.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        """Renew the held leases every third of a lease until `stop` is set; drop the lost ones."""
        interval = max(0.05, self.lease_ms / 3000)
        while not stop.is_set():
            await asyncio.sleep(interval)
            held = list(self._held)
            if not held or stop.is_set():
                continue
            try:
                results = await scripts.run_batch(
                    self._redis,
                    [scripts.evalsha_args(scripts.RENEW, [k], [self.owner, self.lease_ms]) for k in held],
                )
            except Exception as exc:
                log.warning("could not renew %d claim leases: %s", len(held), exc)
                continue
            for key, result in zip(held, results, strict=True):
                if result == 0 and key in self._held:  # taken over: stop renewing; unsent, it is skipped
                    del self._held[key]
                    log.warning("lost the claim %s (lease ran out while we held it)", key)

    async def release_unstarted(self) -> None:
        """Forget every held claim, and give back (RELEASE) those whose send had not started."""
        keys = [k for k in self._held if k not in self._sending]
        self._held.clear()
        if keys:
            with contextlib.suppress(Exception):
                await scripts.run_batch(
                    self._redis, [scripts.evalsha_args(scripts.RELEASE, [k], [self.owner]) for k in keys]
                )
