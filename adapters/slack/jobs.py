"""The work a listener starts after `ack()`: tracked, bounded, logged, and awaited at shutdown.

Bolt runs with `process_before_response=True`, so a listener's HTTP (or Socket Mode) answer goes
out as soon as the listener returns: each listener acks, hands its slow part to `Jobs.start`, and
returns. Compared with Bolt's default (the listener runs in a task while the request polls for the
ack every 10 ms) this answers Slack sooner, and unlike lazy listeners no exception is swallowed:
whatever escapes a job is logged here with its name.

Acks come first: everything runs on one event loop, and a job's CPU work (ranking, rendering,
posting the answer: about a millisecond) delays any request that arrives meanwhile. The HTTP
server calls `note_request()` for every incoming request, and a job waits to start until no
request has come in for `quiet` seconds, but never longer than `max_defer`, so a burst of
commands is acknowledged first and answered right after, and steady traffic cannot starve answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Jobs:
    def __init__(
        self, *, limit: int = 200, timeout: float = 300.0, quiet: float = 0.002, max_defer: float = 0.1
    ) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(limit)  # at most `limit` jobs run at once; the rest queue
        self.timeout = timeout  # a response_url lives 30 minutes; nothing of ours should take this long
        self.quiet = quiet
        self.max_defer = max_defer
        self._last_request = 0.0
        self.failed = 0

    def note_request(self) -> None:
        """A request came in: jobs wait until requests pause (see the module docstring)."""
        self._last_request = time.monotonic()

    async def _acks_first(self) -> None:
        started = now = time.monotonic()
        while (wait := self.quiet - (now - self._last_request)) > 0 and now - started < self.max_defer:
            await asyncio.sleep(wait)
            now = time.monotonic()

    def start(self, job: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(self._run(job, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, job: Coroutine[Any, Any, Any], name: str) -> None:
        try:
            await self._acks_first()
            async with self._slots:
                async with asyncio.timeout(self.timeout):
                    await job
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            self.failed += 1
            log.error("%s: gave up after %.0f s", name, self.timeout)
        except Exception:
            self.failed += 1
            log.exception("%s failed", name)
        finally:
            job.close()  # never awaited when cancelled while queued: no "never awaited" warning

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def drain(self, grace: float = 10.0) -> None:
        """Let running jobs finish (at shutdown), then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
