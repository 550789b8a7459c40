"""Recording a daily pass's outcomes in Redis: due-index moves and FINISH scripts, coalesced.

Every moved entry is checked against the settings version it was computed from, read back after
the move: a channel whose settings changed meanwhile gets its entry redone
(`SubscriptionStore.sync_due`), so a concurrent change of schedule is never lost. On Redis
Cluster the move and the FINISH of one flush go to different nodes, so this check is best effort
there (the next pass still decides from the stored settings).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from bot.store import scripts
from bot.store.keys import ChannelRef
from bot.store.subscriptions import SubscriptionStore


@dataclass
class Move:
    """A channel's next look in the due index, and the settings version it was computed from."""

    channel: ChannelRef
    score: float | None  # None: remove from the due index
    expected_version: str | None


def _move_commands(keys: Any, moves: Iterable[Move]) -> list[tuple[Any, ...]]:
    """One ZADD and one ZREM per platform for all `moves`."""
    adds: dict[str, list[Any]] = {}
    removes: dict[str, list[str]] = {}
    for move in moves:
        if move.score is None:
            removes.setdefault(move.channel.platform, []).append(move.channel.member)
        else:
            adds.setdefault(move.channel.platform, []).extend((move.score, move.channel.member))
    commands: list[tuple[Any, ...]] = [("ZADD", keys.due(p), *args) for p, args in adds.items()]
    commands += [("ZREM", keys.due(p), *members) for p, members in removes.items()]
    return commands


class Recorder:
    """Records delivery outcomes from many concurrent sends in shared pipelines.

    Each flush first moves the due-index entries of its channels (one ZADD/ZREM per platform),
    then runs their FINISH scripts, which return each subscription's version read after the
    move: a version other than the one the move was computed from means the settings changed
    meanwhile, and the caller redoes that entry. A flush starts as soon as the previous one ends,
    so a burst of results shares one round trip. Redis errors are retried a few times; every
    submitted future is settled, with the error if recording failed or was cancelled.
    """

    def __init__(self, redis: Any, keys: Any, max_batch: int = 5000, retries: int = 5) -> None:
        self._redis = redis
        self._keys = keys
        self._max = max_batch
        self._retries = retries
        self._queue: list[tuple[Move, tuple[Any, ...], asyncio.Future[Any]]] = []
        self._batch: list[tuple[Move, tuple[Any, ...], asyncio.Future[Any]]] = []  # being recorded
        self._task: asyncio.Task[None] | None = None

    def submit(self, move: Move, finish: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Queue one outcome; the future gets FINISH's reply (or the exception that prevented it)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((move, finish, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
            self._task.add_done_callback(self._settle)
        return future

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # let the other tasks of this tick queue theirs
        while self._queue:
            self._batch, self._queue = self._queue[: self._max], self._queue[self._max :]
            outcomes = await self._record(self._batch)
            for (_, _, future), outcome in zip(self._batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)
            self._batch = []

    def _settle(self, task: asyncio.Task[None]) -> None:
        """Never leave a sender waiting on a future nobody settles: a flush that failed or was
        cancelled (even before it started) gives its error to every outcome it still held."""
        if not task.cancelled() and task.exception() is None:
            return
        error = RedisConnectionError("recording was cancelled") if task.cancelled() else task.exception()
        held = self._batch
        if task is self._task:  # else a newer flush already owns the queue
            held, self._queue = held + self._queue, []
        self._batch = []
        for _, _, future in held:
            if not future.done():
                future.set_result(error)

    async def _record(self, batch: list[tuple[Move, tuple[Any, ...], asyncio.Future[Any]]]) -> list[Any]:
        """FINISH's reply per item of `batch`, or the exception that prevented recording it."""
        prefix = _move_commands(self._keys, (m for m, _, _ in batch))
        commands = prefix + [f for _, f, _ in batch]
        results: list[Any] | Exception = []
        for attempt in range(self._retries + 1):
            try:
                results = await scripts.run_batch(self._redis, commands)
                break
            except (RedisError, OSError) as exc:
                results = exc
                if attempt < self._retries:
                    await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
        if isinstance(results, Exception):
            return [results] * len(batch)
        failed = next((r for r in results[: len(prefix)] if isinstance(r, Exception)), None)
        return [failed or r for r in results[len(prefix) :]]


async def apply_moves(redis: Any, keys: Any, subscriptions: SubscriptionStore, moves: list[Move]) -> None:
    """Move the due-index entries, then redo those whose settings changed meanwhile."""
    if not moves:
        return
    for result in await scripts.run_batch(redis, _move_commands(keys, moves)):
        if isinstance(result, Exception):
            raise result
    versions = await scripts.run_batch(redis, [("HGET", keys.sub(m.channel), "v") for m in moves])
    for move, version in zip(moves, versions, strict=True):
        if not isinstance(version, Exception) and version != move.expected_version:
            await subscriptions.sync_due(move.channel)
