"""The daily post engine: every due channel gets its post once per local day, from any replica.

`DailyEngine.run_due(now, send)` does one pass:

1. Due channels come from the per-platform due index (`P:due:PLATFORM`, score = when to look at
   the channel next): one ZRANGEBYSCORE per platform, shuffled so replicas spread out.
2. The last `DAILY_LOOKBACK_DAYS` list days come from the shared cache (one pipelined read),
   are merged (newest listing of a paper wins) and ranked once per distinct topic set
   (`bot.daily.pool`). When none can be read the pass decides nothing: no claim, no attempt
   counted, every channel stays due; `RunReport.source_back_at` says when HF asked us to come
   back (a rate limit), and `bot.daily.loop` runs its next pass then. When only some days were
   refused for a rate limit, the channels due stay due for the pass at HF's reset (`_Pool.defer`).
3. In batches of `DAILY_BATCH_SIZE`, two batches at a time (Redis works on one while Python works
   on the other): one pipeline loads the settings and the delivery memory (the last post); the
   engine decides, for each channel, whether its post is due today (`bot.store.schedule`: its
   local post time has passed, the local day had no post yet and the last post is 20 hours
   old; a bot that was down posts when it is back, the same local day); one pipeline of CLAIM
   scripts then claims the due ones atomically (and only if the memory is still what the
   decision saw) and picks each
   channel's top N papers it never got (checked against its posted record server-side, so posted
   ids never travel; a channel whose first candidates were all posted is asked again with all).
   Pipelines go through `bot.store.resp`, a lean RESP codec, and arguments shared by many
   commands (a topic set's candidate ids) are encoded once.
4. Sends run concurrently (`DAILY_SEND_CONCURRENCY`); each outcome is recorded by a FINISH script,
   coalesced into pipelines with the channels' due-index moves (`bot.daily.recorder`): posted ids
   and status only after the platform confirmed; a failure releases the claim for a retry with
   backoff (or gives up for the day after DAILY_MAX_ATTEMPTS); `ChannelGone` pauses the channel
   with its reason.
5. Channels not posted to (not due yet, already done today, nothing new, waiting for a retry)
   get their entries moved in one pipeline (`bot.daily.recorder` too). A channel whose stored
   time zone this machine does not know is skipped (looked at again an hour later), and its
   status says why; the others post.

A post in flight comes first: while the delivery memory names an unresolved claim (`k`: its send
failed in a way that may have reached the platform and waits for a retry, or its engine died) of
another local day than the one now due (the time zone changed meanwhile, or the day ended), the
engine claims that claim instead: when the schedule now set owes a post, it is delivered as a
retry or take-over (looked up with `find_sent`, else sent again with its idempotency key); when
it owes none yet and `find_sent` is given, it is only looked up, and a post that is not there is
`superseded`. A post found counts from the attempt that made it, so the 20-hour rule applies.

Exactly once: the claim `P:claim:{ch}:ZONE:LOCALDAY` is taken with the CLAIM script (an atomic
test-and-set, like SET NX, holding state, owner and a lease in Redis server time). While an engine
lives it renews the leases of the claims it holds, so no other engine posts them. When an engine
dies (kill -9) its claims' leases run out and another engine (or itself, restarted) takes them
over the same day, with the picks stored in the claim. Cancelling a pass gives back at once the
claims whose send had not started.

The one window no store can close is a crash after the platform accepted a post and before
FINISH recorded it, and its cousin, a send that failed ambiguously (a timeout or a 5xx after the
platform may have accepted the post). A taken-over claim is therefore delivered as `recovered`,
and a retry as `attempt > 1`, with the same `idempotency_key` and the same papers: with
`find_sent` the engine first asks the platform whether the post is there (and records it without
sending); a platform that deduplicates by key
(Discord `nonce` + `enforce_nonce`) drops the repeat. Otherwise the post is sent again: at least
once, and a duplicate is possible only for the posts whose send was in flight, or whose answer
was not yet recorded (one Redis round trip), when the engine died: at most about
DAILY_SEND_CONCURRENCY posts. Claimed posts whose send had not started are simply sent.
Renewal assumes an engine is not frozen longer than a lease (DAILY_LEASE_SECONDS).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.daily.delivery import Delivery, FindSent, Send, idempotency_key
from bot.daily.errors import ChannelGone, DeliveryFailed
from bot.daily.pool import _Pool
from bot.daily.recorder import _apply_moves, _Move, _Recorder
from bot.digest import Digest
from bot.ranking.types import RankedPaper
from bot.source.hf_client import SourceUnavailable
from bot.store import State, scripts
from bot.store import schedule as sched
from bot.store.keys import ChannelRef
from bot.store.models import Schedule, ZoneUnavailable
from bot.store.resp import Packed

log = logging.getLogger(__name__)

CLAIM_TTL_SECONDS = 48 * 3600  # covers every retry of a local day in any time zone
MAX_ERROR_TEXT = 300


@dataclass
class RunReport:
    """What one `run_due` pass did (counts of channels)."""

    due: int = 0  # in the due index at `now`
    posted: int = 0  # posts the platform confirmed (papers, or a "nothing new" line)
    nothing_new: int = 0  # nothing new and no line wanted: nothing sent
    confirmed: int = 0  # recovered posts `find_sent` found already out (not sent again)
    recovered: int = 0  # claims taken over from a dead engine
    not_due: int = 0  # post time not reached (or not a post day): rescheduled
    already_done: int = 0  # today's post was already made (by any engine, in any time zone)
    busy: int = 0  # claimed by another live engine, or its memory changed meanwhile (next pass)
    waiting: int = 0  # a failed post waits for its retry time
    retrying: int = 0  # a send failed now: released for a retry
    failed: int = 0  # gave up for today after DAILY_MAX_ATTEMPTS
    paused: int = 0  # paused now because the channel is gone or forbidden
    skipped: int = 0  # paused or unsubscribed before this pass
    zone_unavailable: int = 0  # stored time zone not in this machine's tz database: not posted
    source_unavailable: bool = False  # no list day could be read: nothing was decided
    source_back_at: float | None = None  # then, or if `deferred`: Unix time HF answers again
    deferred: int = 0  # a list day was refused for a rate limit: left due for the pass at the reset
    papers_in_pool: int = 0
    topic_sets: int = 0  # distinct topic sets ranked
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Work:
    channel: ChannelRef
    schedule: Schedule  # for a held claim, with that claim's zone
    local_day: date
    version: str | None
    ranked: list[RankedPaper]
    keys: tuple[str, str, str, str]  # claim, posted, sub, last
    memory: tuple[str, str]  # the delivery memory as read: last post `at`, held claim `k` ('' if none)
    last_post: datetime | None  # the last post the decision counted
    # None: the post of the day due now. "post": resolve the held claim of another day, sending it
    # again if it is not out; "look": resolve it with find_sent only (nothing is due now)
    resolve: str | None = None
    legacy_key: bool = False  # a claim of the version before zone-keyed claims: its idempotency key


@dataclass
class _Pending:
    work: _Work
    delivery: Delivery
    claim_key: str
    picked: tuple[str, ...]  # the ids stored in the claim: all recorded as posted once it is out


class DailyEngine:
    """One engine instance (one per process). Safe to run in any number of replicas at once."""

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
        self.retention_seconds = settings.posted_retention_days * 86400
        self._held: dict[str, None] = {}  # claim keys this engine holds (lease renewed)
        self._sending: set[str] = set()  # claim keys whose send has started in this pass
        self._pass = asyncio.Lock()  # one pass at a time per engine
        # constant arguments, RESP-encoded once
        self.legacy_claims = settings.daily_legacy_claims
        self._claim_head = Packed(["EVALSHA", scripts.CLAIM.sha, 6 if self.legacy_claims else 5])
        self._claim_consts = Packed([self.owner, self.lease_ms, CLAIM_TTL_SECONDS])
        self._finish_head = Packed(["EVALSHA", scripts.FINISH.sha, 4])
        self._packed: dict[tuple[Any, ...], Packed] = {}  # argument runs shared by many commands
        self._decisions: dict[tuple[str, str], tuple[datetime, Schedule, sched.Decision]] = {}
        self._next: dict[tuple[Schedule, date], float] = {}
        self._ends: dict[tuple[str, date], int] = {}
        self._starts: dict[tuple[str, date], datetime] = {}

    # --- the pass --------------------------------------------------------------------------

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
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        async with self._pass:
            self._sending.clear()
            return await self._run(now, send, platforms, find_sent, accept)

    async def _run(
        self,
        now: datetime,
        send: Send,
        platforms: Iterable[str] | None,
        find_sent: FindSent | None,
        accept: Callable[[ChannelRef], bool] | None = None,
    ) -> RunReport:
        started = time.monotonic()
        report = RunReport()
        if platforms is None:
            names = sorted(await self._redis.smembers(self._keys.platforms()))
        else:
            names = list(platforms)
        due = await self._due_channels(names, now)
        if accept is not None:
            due = [ch for ch in due if accept(ch)]
        report.due = len(due)
        if not due:
            report.seconds = time.monotonic() - started
            return report
        pool = await _Pool.load(self.state.papers, now, self.lookback_days)
        if isinstance(pool, SourceUnavailable):  # nothing claimed, no attempt counted: due as before
            report.source_unavailable = True
            report.source_back_at = pool.retry_at.timestamp() if pool.retry_at else None
            report.seconds = time.monotonic() - started
            return report
        report.papers_in_pool = len(pool.papers)
        recorder = _Recorder(self._redis, self._keys)
        sends = asyncio.Semaphore(self.send_concurrency)
        overlap = asyncio.Semaphore(2)  # two batches at a time: Redis works on one while we work on the other

        async def run_batch(batch: list[ChannelRef]) -> None:
            async with overlap:
                await self._run_batch(batch, now, started, pool, send, find_sent, recorder, sends, report)

        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            async with asyncio.TaskGroup() as group:
                for start in range(0, len(due), self.batch_size):
                    group.create_task(run_batch(due[start : start + self.batch_size]))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            if self._held:  # cancelled: give back what we claimed but never started to send
                await self._release_unstarted()
        report.topic_sets = len(pool.ranked)
        report.seconds = time.monotonic() - started
        return report

    async def _due_channels(self, platforms: list[str], now: datetime) -> list[ChannelRef]:
        rows = await scripts.run_batch(
            self._redis, [("ZRANGEBYSCORE", self._keys.due(p), "-inf", now.timestamp()) for p in platforms]
        )
        for row in rows:
            if isinstance(row, Exception):
                raise row
        due = [
            ChannelRef.from_member(name, m)
            for name, members in zip(platforms, rows, strict=True)
            for m in members
        ]
        random.shuffle(due)
        return due

    def _decide(
        self, cfg: str, platform: str, now: datetime, last_post: datetime | None, since: str | None = None
    ) -> tuple[Schedule, sched.Decision]:
        """The schedule stored as `cfg` for a channel of `platform` and its decision at `now` after
        `last_post`, for a daily post started at `since` (epoch seconds, or None).

        The decision without a last post is cached (channels share it); it is also the answer when
        the last post is before the local day and 20 hours before its post time, and the daily post
        started before the local day, i.e. nearly always. Raises ZoneUnavailable.
        """
        found = self._decisions.get((platform, cfg))
        if found is None or found[0] != now:
            if len(self._decisions) > 50000:
                self._decisions.clear()
            schedule = Schedule.from_json(cfg, platform=platform)
            found = self._decisions[(platform, cfg)] = (now, schedule, sched.decide(schedule, now))
        schedule, decision = found[1], found[2]
        start = datetime.fromtimestamp(float(since), UTC) if since else None
        if (start is not None and start >= self._day_start(schedule, decision.local_day)) or (
            last_post is not None
            and (
                last_post + sched.MIN_GAP > decision.at
                or last_post >= self._day_start(schedule, decision.local_day)
            )
        ):
            decision = sched.decide(schedule, now, last_post, start)
        return schedule, decision

    def _day_start(self, schedule: Schedule, day: date) -> datetime:
        """The first instant of local `day` in the schedule's time zone (cached)."""
        key = (schedule.timezone, day)
        found = self._starts.get(key)
        if found is None:
            if len(self._starts) > 50000:
                self._starts.clear()
            found = self._starts[key] = sched.day_start(schedule, day)
        return found

    def _day_end(self, schedule: Schedule, day: date) -> int:
        """Epoch seconds of the end of local `day` in the schedule's time zone (cached)."""
        key = (schedule.timezone, day)
        found = self._ends.get(key)
        if found is None:
            midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=schedule.tz)
            found = self._ends[key] = int(midnight.timestamp())
        return found

    def _next_after(self, schedule: Schedule, day: date, last_post: float | None) -> float:
        """Epoch seconds at which to look at the channel again after local `day`: the next post
        day's post time, or `MIN_GAP` after the last post. Never later than the next post is due
        (`sched.next_due`); the pass then at that time decides (cached)."""
        found = self._next.get((schedule, day))
        if found is None:
            if len(self._next) > 50000:
                self._next.clear()
            found = self._next[(schedule, day)] = sched.next_after(schedule, day).timestamp()
        if last_post is not None:
            return max(found, last_post + sched.MIN_GAP.total_seconds())
        return found

    async def _run_batch(
        self,
        batch: list[ChannelRef],
        now: datetime,
        started: float,
        pool: _Pool,
        send: Send,
        find_sent: FindSent | None,
        recorder: _Recorder,
        sends: asyncio.Semaphore,
        report: RunReport,
    ) -> None:
        keys = self._keys
        commands: list[tuple[Any, ...]] = []
        for ch in batch:
            commands.append(("HMGET", keys.sub(ch), "cfg", "paused", "v", "last_post_at", "active_since"))
            commands.append(("HMGET", keys.last(ch), "at", "k"))
        rows = await scripts.run_batch(self._redis, commands)
        moves: list[_Move] = []
        work: list[_Work] = []
        for i, ch in enumerate(batch):
            row, memory = rows[2 * i], rows[2 * i + 1]
            for reply in (row, memory):
                if isinstance(reply, Exception):
                    raise reply
            cfg, paused, version, sub_last, since = row
            if cfg is None or paused == "1":
                moves.append(_Move(ch, None, version))
                report.skipped += 1
                continue
            last_post = sched.last_post_of(memory[0], sub_last)
            try:
                schedule, decision = self._decide(cfg, ch.platform, now, last_post, since)
            except ZoneUnavailable as exc:  # this channel only; `status` tells its people
                log.warning("%s: %s; not posting, looking again in an hour", ch, exc)
                report.zone_unavailable += 1
                moves.append(_Move(ch, now.timestamp() + 3600, version))
                continue
            held = memory[1]  # a delivery in flight: another local day's is resolved first
            if (
                held
                and (decision.due or find_sent is not None)
                and held != keys.claim(ch, schedule.timezone, decision.local_day)
            ):
                work.append(self._held_work(ch, schedule, version, held, memory, last_post, pool, decision))
                continue
            if not decision.due:
                moves.append(_Move(ch, decision.at.timestamp(), version))
                if decision.done:
                    report.already_done += 1
                else:
                    report.not_due += 1
                continue
            day = decision.local_day
            back = pool.defer(self._day_end(schedule, day))
            if back is not None:  # a list day is rate-limited: due still, posted after HF's reset
                report.deferred += 1
                report.source_back_at = back
                continue
            work.append(
                _Work(
                    ch,
                    schedule,
                    day,
                    version,
                    pool.ranking(schedule.topics),
                    keys.channel_keys(ch, schedule.timezone, day),
                    (memory[0] or "", memory[1] or ""),
                    last_post,
                )
            )

        pending: list[_Pending] = []
        todo = work
        complete = False
        while todo:  # at most twice: the second time with every candidate, for channels that need it
            now_s = int(now.timestamp())
            commands = [self._claim_command(w, pool, now_s, complete) for w in todo]
            results = await scripts.run_batch(self._redis, commands)
            more: list[_Work] = []
            for w, result in zip(todo, results, strict=True):
                if isinstance(result, Exception):
                    raise result
                self._on_claim(w, result, pool, pending, moves, more, report)
            todo, complete = more, True

        if pending:
            await self._deliver(pending, now, started, send, find_sent, recorder, sends, report)
        await _apply_moves(self._redis, self._keys, self.state.subscriptions, moves)

    def _held_work(
        self,
        ch: ChannelRef,
        schedule: Schedule,
        version: str | None,
        held: str,
        memory: list[str | None],
        last_post: datetime | None,
        pool: _Pool,
        decision: sched.Decision,
    ) -> _Work:
        """The work of resolving the claim `held` (another local day's, still in flight)."""
        zone, day = self._keys.parse_claim(held)
        if zone is not None and zone != schedule.timezone:
            schedule = replace(schedule, timezone=zone)
        return _Work(
            ch,
            schedule,
            day,
            version,
            pool.ranking(schedule.topics),
            (held, *self._keys.channel_keys(ch, schedule.timezone, day)[1:]),  # type: ignore[arg-type]
            (memory[0] or "", held),
            last_post,
            resolve="post" if decision.due else "look",
            legacy_key=zone is None,
        )

    def _claim_command(self, w: _Work, pool: _Pool, now_s: int, complete: bool) -> tuple[Any, ...]:
        want = w.schedule.top
        limit = len(w.ranked)
        if not complete:
            limit = min(limit, want * (self.lookback_days + 2))
            complete = limit == len(w.ranked)
        note = w.schedule.nothing_new_note
        shared = (want, note, now_s, w.local_day, complete)
        args = self._packed.get(shared)
        if args is None:
            day = w.local_day.isoformat()
            args = Packed([want, "1" if note else "0", now_s, day, "1" if complete else "0"])
            self._packed[shared] = args
        claim, posted, sub, last = w.keys
        last_at, held = w.memory
        legacy = (self._keys.legacy_claim(w.channel, w.local_day),) if self.legacy_claims else ()
        return (
            self._claim_head,
            claim,
            posted,
            sub,
            last,
            held or claim,
            *legacy,
            self._claim_consts,
            args,
            last_at,
            held,
            pool.candidates(w.schedule.topics, limit),
        )

    def _on_claim(
        self,
        w: _Work,
        result: str,
        pool: _Pool,
        pending: list[_Pending],
        moves: list[_Move],
        more: list[_Work],
        report: RunReport,
    ) -> None:
        result = result.split(" ")
        status = result[0]
        if status in ("claimed", "recover"):
            attempt = int(result[1])
            if status == "claimed":
                ids = [i for i in result[3:] if i]
                checked = int(result[2])
                entries = pool.lookup(w.schedule.topics, ids)
                total = len(entries) + max(0, len(w.ranked) - checked)
            else:
                ids = [i for i in result[2:] if i]
                entries = pool.lookup(w.schedule.topics, ids)
                total = len(entries)
                report.recovered += 1
            digest = Digest(day=pool.day, entries=tuple(entries), total=total, topics=w.schedule.topics)
            delivery = Delivery(
                channel=w.channel,
                digest=digest,
                local_day=w.local_day,
                idempotency_key=idempotency_key(
                    self._keys.prefix, w.channel, w.local_day, None if w.legacy_key else w.schedule.timezone
                ),
                attempt=attempt,
                recovered=status == "recover",
            )
            claim_key = w.keys[0]
            self._held[claim_key] = None
            pending.append(_Pending(w, delivery, claim_key, tuple(ids)))
        elif status == "more":
            more.append(w)
        elif status in ("empty", "done"):
            if status == "empty":
                report.nothing_new += 1
            else:
                report.already_done += 1
            last = w.last_post.timestamp() if w.last_post else None
            after = 0.0 if w.resolve else self._next_after(w.schedule, w.local_day, last)  # 0: decide anew
            moves.append(_Move(w.channel, after, w.version))
        elif status in ("busy", "stale"):
            # its owner moves the entry when it is done; a stale one is due again on the next pass
            report.busy += 1
        elif status == "wait":
            report.waiting += 1
            last = w.last_post.timestamp() if w.last_post else None
            next_day = math.inf if w.resolve else self._next_after(w.schedule, w.local_day, last)
            moves.append(_Move(w.channel, min(float(result[1]), next_day), w.version))
        else:  # paused, gone: changed since we loaded it
            report.skipped += 1
            moves.append(_Move(w.channel, None, w.version))

    # --- delivery --------------------------------------------------------------------------

    async def _deliver(
        self,
        pending: list[_Pending],
        now: datetime,
        started: float,
        send: Send,
        find_sent: FindSent | None,
        recorder: _Recorder,
        sends: asyncio.Semaphore,
        report: RunReport,
    ) -> None:
        """Send with at most DAILY_SEND_CONCURRENCY sends in flight; record each outcome at once."""

        def clock() -> float:
            return now.timestamp() + (time.monotonic() - started)

        records: list[tuple[_Pending, _Move, asyncio.Future[Any]]] = []
        queue = iter(pending)

        async def worker() -> None:
            for item in queue:
                async with sends:
                    if item.claim_key not in self._held:  # lease lost before the send: not ours now
                        report.busy += 1
                        continue
                    self._sending.add(item.claim_key)
                    outcome, text, retry_at = await self._attempt(item, send, find_sent, clock, report)
                move, finish = self._finish(item, outcome, text, retry_at, clock())
                future = recorder.submit(move, finish)
                # Recorded or not, the lease is no longer renewed once FINISH has answered: a claim
                # not recorded is taken over and resolved (find_sent / idempotent resend) later.
                future.add_done_callback(lambda _, key=item.claim_key: self._held.pop(key, None))
                records.append((item, move, future))

        await asyncio.gather(*(worker() for _ in range(min(self.send_concurrency, len(pending)))))
        for item, move, future in records:
            version = await future
            if isinstance(version, Exception):
                log.error("%s: could not record the outcome: %s", item.work.channel, version)
                continue
            if version != move.expected_version:
                await self.state.subscriptions.sync_due(item.work.channel)

    def _finish(
        self, item: _Pending, outcome: str, text: str, retry_at: float, at: float
    ) -> tuple[_Move, tuple[Any, ...]]:
        """The due-index move and the FINISH command of one outcome."""
        w = item.work
        sent = outcome in ("sent", "found")
        last = float(int(at)) if sent else (w.last_post.timestamp() if w.last_post else None)
        if w.resolve or outcome in ("found", "superseded"):
            # a post found counts from when it went out, and a held claim was another day's:
            # decide anew on the next pass, from the schedule now set
            next_day = math.inf if outcome == "retry" else 0.0
        else:
            next_day = self._next_after(w.schedule, w.local_day, last)
        if outcome == "retry":
            move = _Move(w.channel, min(retry_at, next_day), w.version)
        elif outcome == "gone":  # FINISH pauses the channel: one version more
            move = _Move(w.channel, None, str(int(w.version) + 1) if w.version else None)
        else:
            move = _Move(w.channel, next_day, w.version)
        second = int(at)
        shared = (outcome, second, w.local_day, int(retry_at))
        args = self._packed.get(shared)
        if args is None:
            args = Packed(
                [
                    self.owner,
                    outcome,
                    second,
                    second - self.retention_seconds,
                    self.retention_seconds,
                    w.local_day.isoformat(),
                ]
            )
            self._packed[shared] = args
        claim, posted, sub, last_key = w.keys
        if sent:
            ids = dict.fromkeys(item.picked + item.delivery.paper_ids)
            forget = max(3600, self._day_end(w.schedule, w.local_day) + 3600 - second)
            return move, (self._finish_head, claim, posted, sub, last_key, args, text, forget, *ids)
        return move, (
            self._finish_head,
            claim,
            posted,
            sub,
            last_key,
            args,
            text[:MAX_ERROR_TEXT],
            int(retry_at),
        )

    async def _attempt(
        self,
        item: _Pending,
        send: Send,
        find_sent: FindSent | None,
        clock: Any,
        report: RunReport,
    ) -> tuple[str, str, float]:
        """(outcome, message id or error, retry_at) of one delivery attempt."""
        delivery = item.delivery
        # A taken-over claim, or a retry after a failure that may have happened after the platform
        # accepted the post (a timeout, a 5xx): look before sending again.
        look = item.work.resolve == "look"
        if (delivery.recovered or delivery.attempt > 1 or look) and find_sent is not None:
            try:
                found = await find_sent(delivery)
            except Exception as exc:  # the lookup failing must not lose the post: send it
                log.warning("%s: find_sent failed (%s); sending", delivery.channel, exc)
                if look:  # nothing is owed now: look again later
                    return "retry", f"find_sent failed: {exc}"[:MAX_ERROR_TEXT], clock() + self.retry_base
                found = None
            if found:
                report.confirmed += 1
                return "found", str(found), 0.0
            if look:  # not out, and the schedule now set owes no post yet
                return "superseded", "not posted; the schedule changed before its retry", 0.0
        try:
            message_id = await send(delivery)
        except ChannelGone as exc:
            report.paused += 1
            log.info("%s: paused, %s", delivery.channel, exc.reason)
            return "gone", exc.reason or "the channel is gone", 0.0
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = exc.reason if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"
            if delivery.attempt >= self.max_attempts:
                report.failed += 1
                log.warning("%s: giving up for %s after %d attempts: %s", delivery.channel,
                            delivery.local_day, delivery.attempt, reason)  # fmt: skip
                return "failed", reason, 0.0
            delay = self._backoff(delivery.attempt, getattr(exc, "retry_after", None))
            report.retrying += 1
            log.info("%s: post failed (%s); retry in %.0fs", delivery.channel, reason, delay)
            return "retry", reason, float(math.ceil(clock() + delay))
        report.posted += 1
        return "sent", str(message_id), 0.0

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return max(1.0, min(float(retry_after), self.retry_max))
        ceiling = min(self.retry_max, self.retry_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    # --- leases ----------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        interval = max(0.05, self.lease_ms / 3000)
        while True:
            await asyncio.sleep(interval)
            held = list(self._held)
            if not held:
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

    async def _release_unstarted(self) -> None:
        keys = [k for k in self._held if k not in self._sending]
        self._held.clear()
        if keys:
            with contextlib.suppress(Exception):
                await scripts.run_batch(
                    self._redis, [scripts.evalsha_args(scripts.RELEASE, [k], [self.owner]) for k in keys]
                )
