"""At most one message edit per message per interval, always with the latest state.

A burst of vote clicks on one message would otherwise be a burst of `chat.update` calls (Slack
tier 3, about 50 a minute) or message edits (Discord's per-route buckets). `Coalescer.request`
runs the first update of a message at once; requests that arrive while it runs or within
`interval` seconds after it replace one another, and only the last one runs, once the interval
is over. An update reads the counts when it runs, so the message ends up showing the final counts.

One process coalesces its own clicks; several replicas each edit at most once per interval.
At most `max_keys` messages are tracked: beyond that a request is dropped (the vote itself is
stored; only that message's labels lag until its next click).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Update = Callable[[], Awaitable[None]]
INTERVAL = 1.5  # seconds between two edits of one message
MAX_KEYS = 10_000


@dataclass
class _Slot:
    pending: Update | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class Coalescer:
    def __init__(self, *, interval: float = INTERVAL, max_keys: int = MAX_KEYS) -> None:
        self.interval = interval
        self.max_keys = max_keys
        self._slots: dict[str, _Slot] = {}
        self.ran = 0  # updates run (tests and metrics read it)
        self.dropped = 0

    def request(self, key: str, update: Update) -> None:
        """Run `update` for message `key` now, or as the one update after the current interval."""
        slot = self._slots.get(key)
        if slot is not None:
            slot.pending = update
            return
        if len(self._slots) >= self.max_keys:
            self.dropped += 1
            log.warning("too many messages waiting for an edit; %s not updated", key)
            return
        slot = self._slots[key] = _Slot(pending=update)
        slot.task = asyncio.get_running_loop().create_task(self._run(key, slot), name=f"edit {key}")

    async def _run(self, key: str, slot: _Slot) -> None:
        try:
            while slot.pending is not None:
                update, slot.pending = slot.pending, None
                try:
                    await update()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("updating %s failed", key)
                self.ran += 1
                await asyncio.sleep(self.interval)
        finally:
            self._slots.pop(key, None)

    @property
    def waiting(self) -> int:
        return len(self._slots)

    async def drain(self) -> None:
        """Wait for every update requested so far (tests, shutdown)."""
        while self._slots:
            tasks = [s.task for s in self._slots.values() if s.task is not None]
            await asyncio.gather(*tasks, return_exceptions=True)
