"""The daily post engine: every due channel gets its post once per local day, from any replica.

`DailyEngine.run_due(now, send)` runs one pass: the due channels are read from the due index, the
recent lists are ranked once per topic set (`bot.daily.pool`), and in batches the engine decides
which posts are due (`bot.daily.decisions`), claims them atomically in Redis (`bot.daily.claims`),
sends them concurrently and records each outcome (`bot.daily.sending`, `bot.daily.recorder`), while
the claims' leases are renewed (`bot.daily.leases`). `RunReport` (`bot.daily.report`) counts what
the pass did.

Exactly once, within limits: a post is at least once, and a duplicate is possible only for the
posts whose send was in flight (or whose answer was not yet recorded) when an engine died, at most
about DAILY_SEND_CONCURRENCY of them, and none where the platform deduplicates by idempotency key or
`find_sent` finds them. Renewal assumes an engine is not frozen longer than a lease. The design, the
order of a pass and the reasoning: docs/daily-engine.md.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot.daily.claims import Batch, ChannelRead, Claims, Work
from bot.daily.context import PassContext
from bot.daily.decisions import DecisionCache
from bot.daily.delivery import FindSent, Send
from bot.daily.leases import Leases
from bot.daily.pool import Pool
from bot.daily.recorder import Move, Recorder, apply_moves
from bot.daily.report import RunReport
from bot.daily.retry import RetryPolicy
from bot.daily.sending import Sender
from bot.ranking.feedback import FeedbackProfile
from bot.source.hf_client import SourceUnavailable
from bot.store import State, scripts
from bot.store import schedule as sched
from bot.store.keys import ChannelRef
from bot.store.models import ZoneUnavailable

log = logging.getLogger(__name__)


class DailyEngine:
    """One engine instance (one per process). Safe to run in any number of replicas at once.

    Its DAILY_* settings (`bot.settings`) are read when it is built; a pass reads `batch_size`,
    `send_concurrency`, `lookback_days` (the lists read), `max_attempts`, `retry_base` and
    `retry_max` when it starts."""

    def __init__(self, state: State, *, owner: str | None = None) -> None:
        settings = state.settings
        self.state = state
        self._redis = state.redis
        self._keys = state.keys
        self.owner = owner or f"{uuid.uuid4().hex[:12]}"
        self.lookback_days = settings.daily_lookback_days
        self.lease_ms = int(settings.daily_lease_seconds * 1000)
        self.batch_size = settings.daily_batch_size
        self.send_concurrency = settings.daily_send_concurrency
        self.retry_base = settings.daily_retry_base_seconds
        self.retry_max = settings.daily_retry_max_seconds
        self.max_attempts = settings.daily_max_attempts
        self._pass = asyncio.Lock()  # one pass at a time per engine
        self._leases = Leases(self._redis, self.owner, self.lease_ms)
        self._decisions = DecisionCache()
        self._claims = Claims(self._keys, settings, self._leases, self._decisions)
        self._sender = Sender(settings, self._leases, self._decisions, state.subscriptions)

    async def run_due(
        self,
        now: datetime,
        send: Send,
        *,
        platforms: Iterable[str] | None = None,
        find_sent: FindSent | None = None,
        accept: Callable[[ChannelRef], bool] | None = None,
    ) -> RunReport:
        """Post to every channel that is due at `now` (aware datetime) and not yet posted today.

        `platforms` limits the pass (e.g. `["slack"]` in the Slack adapter's process); by default
        every platform that has subscriptions. `accept` limits it further (e.g. to the guilds of a
        Discord process's shards): due channels it rejects are left alone, neither claimed nor
        rescheduled, for the process that accepts them. `send` and `find_sent`: see bot.daily.delivery.
        Raises ValueError for a naive `now`; Redis errors end the pass (the loop runs the next one).
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        async with self._pass:
            self._leases.new_pass()
            started = time.monotonic()
            report = RunReport()
            due = await self._due_channels(now, platforms, accept)
            report.due = len(due)
            if due:
                pool = await Pool.load(self.state.papers, now, self.lookback_days)
                if isinstance(pool, SourceUnavailable):  # nothing claimed, no attempt counted: due as before
                    report.source_unavailable = True
                    report.source_back_at = pool.retry_at.timestamp() if pool.retry_at else None
                else:
                    report.papers_in_pool = len(pool.papers)
                    ctx = PassContext(
                        now=now,
                        started=started,
                        send=send,
                        find_sent=find_sent,
                        pool=pool,
                        recorder=Recorder(self._redis, self._keys),
                        retry=RetryPolicy(self.retry_base, self.retry_max, self.max_attempts),
                        send_concurrency=self.send_concurrency,
                        report=report,
                    )
                    await self._run(ctx, due)
                    report.topic_sets = len(pool.ranked)
            report.seconds = time.monotonic() - started
            return report

    async def _due_channels(
        self, now: datetime, platforms: Iterable[str] | None, accept: Callable[[ChannelRef], bool] | None
    ) -> list[ChannelRef]:
        """The channels due at `now` on `platforms` (default: all) that `accept` takes, shuffled so
        that replicas spread out."""
        if platforms is None:
            names = sorted(await self._redis.smembers(self._keys.platforms()))
        else:
            names = list(platforms)
        rows = await scripts.run_batch(
            self._redis, [("ZRANGEBYSCORE", self._keys.due(p), "-inf", now.timestamp()) for p in names]
        )
        for row in rows:
            if isinstance(row, Exception):
                raise row
        due = [
            ChannelRef.from_member(name, m)
            for name, members in zip(names, rows, strict=True)
            for m in members
        ]
        random.shuffle(due)
        if accept is not None:
            due = [ch for ch in due if accept(ch)]
        return due

    async def _run(self, ctx: PassContext, due: list[ChannelRef]) -> None:
        """The batches of a pass, two at a time (Redis works on one while Python works on the
        other), with the held leases renewed meanwhile; cancelled, the unsent claims are given back."""
        overlap = asyncio.Semaphore(2)

        async def run_batch(batch: list[ChannelRef]) -> None:
            async with overlap:
                await self._run_batch(ctx, batch)

        try:
            async with self._leases.renewing(), asyncio.TaskGroup() as group:
                for start in range(0, len(due), self.batch_size):
                    group.create_task(run_batch(due[start : start + self.batch_size]))
        finally:
            if self._leases.any_held():  # cancelled: give back what we claimed but never started to send
                await self._leases.release_unstarted()

    async def _run_batch(self, ctx: PassContext, batch: list[ChannelRef]) -> None:
        """One batch: read settings and delivery memory (one pipeline), decide, claim (one pipeline,
        twice for channels whose first candidates were all posted), send, move the rest."""
        keys = self._keys
        commands: list[tuple[str, ...]] = []
        for ch in batch:
            commands.append(("HMGET", keys.sub(ch), "cfg", "paused", "v", "last_post_at", "active_since"))
            commands.append(("HMGET", keys.last(ch), "at", "k"))
            commands.append(("EXISTS", keys.votes(ch)))
        rows = await scripts.run_batch(self._redis, commands)
        for reply in rows:
            if isinstance(reply, Exception):
                raise reply
        voted = [ch for i, ch in enumerate(batch) if rows[3 * i + 2]]
        profiles = await self.state.votes.profiles(voted) if voted else {}
        out = Batch()
        todo: list[Work] = []
        for i, ch in enumerate(batch):
            row, memory = rows[3 * i], rows[3 * i + 1]
            profile = profiles.get(ch) or None
            work = self._plan(ctx, ch, (row, memory), out.moves, profile)
            if work is not None:
                todo.append(work)
                if profile:  # ranked on its own (~25 ms for a week of papers): let commands in between
                    await asyncio.sleep(0)
        complete = False
        while todo:  # at most twice: the second time with every candidate, for channels that need it
            now_s = int(ctx.now.timestamp())
            results = await scripts.run_batch(
                self._redis, [self._claims.command(w, ctx.pool, now_s, complete) for w in todo]
            )
            out.again = []
            for w, result in zip(todo, results, strict=True):
                if isinstance(result, Exception):
                    raise result
                self._claims.settle(ctx, w, result, out)
            todo, complete = out.again, True
        if out.claimed:
            await self._sender.deliver(ctx, out.claimed)
        await apply_moves(self._redis, self._keys, self.state.subscriptions, out.moves)

    def _plan(
        self,
        ctx: PassContext,
        ch: ChannelRef,
        rows: tuple[list[Any], list[Any]],
        moves: list[Move],
        profile: FeedbackProfile | None,
    ) -> Work | None:
        """The claim to make for `ch` from its settings and delivery memory (`rows`) and its votes
        (`profile`), if any; else its due-index move is added to `moves` (or, deferred for a rate
        limit, nothing)."""
        (cfg, paused, version, sub_last, since), memory = rows
        report = ctx.report
        if cfg is None or paused == "1":
            moves.append(Move(ch, None, version))
            report.skipped += 1
            return None
        last_post = sched.last_post_of(memory[0], sub_last)
        try:
            schedule, decision = self._decisions.decide(cfg, ch.platform, ctx.now, last_post, since)
        except ZoneUnavailable as exc:  # this channel only; `status` tells its people
            log.warning("%s: %s; not posting, looking again in an hour", ch, exc)
            report.zone_unavailable += 1
            moves.append(Move(ch, ctx.now.timestamp() + 3600, version))
            return None
        read = ChannelRead(ch, version, (memory[0] or "", memory[1] or ""), last_post, profile)
        held = memory[1]  # a delivery in flight: another local day's is resolved first
        if (
            held
            and (decision.due or ctx.find_sent is not None)
            and held != self._keys.claim(ch, schedule.timezone, decision.local_day)
        ):
            return self._claims.held_work(ctx.pool, read, schedule, held, decision.due)
        if not decision.due:
            moves.append(Move(ch, decision.at.timestamp(), version))
            if decision.done:
                report.already_done += 1
            else:
                report.not_due += 1
            return None
        day = decision.local_day
        back = ctx.pool.defer(self._decisions.day_end(schedule, day))
        if back is not None:  # a list day is rate-limited: due still, posted after HF's reset
            report.deferred += 1
            report.source_back_at = back
            return None
        keys = self._keys.channel_keys(ch, schedule.timezone, day)
        return Work(read, schedule, day, ctx.pool.ranking(schedule.topics, profile), keys)
