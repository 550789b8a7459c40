"""Claims of the daily pass: the CLAIM commands of a batch, and what their replies mean.

A channel's post of a local day is claimed with the CLAIM script (`bot.store.scripts`: an atomic
test-and-set holding state, owner and a lease, which also picks the papers the channel never got).
This module builds those commands (arguments shared by many channels are RESP-encoded once), turns
a held claim of another local day into the work of resolving it, and sorts each reply
(`ClaimReply`) into a post to send, a due-index move, or a second ask with every candidate.
Design and guarantees: docs/daily-engine.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.daily.context import PassContext
from bot.daily.decisions import DecisionCache
from bot.daily.delivery import Delivery, idempotency_key
from bot.daily.leases import Leases
from bot.daily.pool import Pool
from bot.daily.recorder import Move
from bot.digest import Digest
from bot.ranking.feedback import FeedbackProfile
from bot.ranking.types import RankedPaper
from bot.settings import Settings
from bot.store import scripts
from bot.store.keys import ChannelRef, Keys
from bot.store.models import Schedule
from bot.store.resp import Packed

CLAIM_TTL_SECONDS = 48 * 3600  # covers every retry of a local day in any time zone
MAX_PACKED = 10000  # CLAIM argument runs kept across passes; more, and they are dropped


class ClaimReply(StrEnum):
    """The first word of a CLAIM reply (the script's comment in `bot.store.scripts` gives the rest)."""

    CLAIMED = "claimed"  # claimed ATTEMPT CHECKED ID...: send these ids (none: a "nothing new" line)
    RECOVER = "recover"  # recover ATTEMPT ID...: took over an expired lease: send these ids again
    MORE = "more"  # every candidate given was posted: ask again with all of them
    EMPTY = "empty"  # nothing new and no "nothing new" line wanted: the day is done
    DONE = "done"  # done STATE: the day's post was made (or given up)
    BUSY = "busy"  # busy OWNER: another live engine holds the claim
    STALE = "stale"  # the delivery memory changed since it was read: decide again next pass
    WAIT = "wait"  # wait RETRY_AT: a failed post waits for its retry
    PAUSED = "paused"  # paused since the batch read it
    GONE = "gone"  # unsubscribed since the batch read it


_REPLIES = {reply.value: reply for reply in ClaimReply}  # a dict look-up: once per channel and pass


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """A parsed CLAIM reply: `ids` to send (CLAIMED, RECOVER), `checked` candidates (CLAIMED),
    `retry_at` in epoch seconds (WAIT)."""

    reply: ClaimReply
    attempt: int = 0
    checked: int = 0
    ids: tuple[str, ...] = ()
    retry_at: float = 0.0

    @classmethod
    def parse(cls, text: str) -> ClaimResult:
        """Raises ValueError for a reply the script does not give."""
        word, *rest = text.split(" ")
        reply = _REPLIES.get(word)
        if reply is None:
            raise ValueError(f"not a CLAIM reply: {text!r}")
        if reply is ClaimReply.CLAIMED:
            return cls(reply, int(rest[0]), int(rest[1]), tuple([i for i in rest[2:] if i]))
        if reply is ClaimReply.RECOVER:
            return cls(reply, int(rest[0]), ids=tuple([i for i in rest[1:] if i]))
        if reply is ClaimReply.WAIT:
            return cls(reply, retry_at=float(rest[0]))
        return cls(reply)


class Resolve(StrEnum):
    """How a held claim of another local day is resolved."""

    POST = "post"  # the schedule now set owes a post: look it up, else send it again
    LOOK = "look"  # it owes none yet: look it up with find_sent only; not out, it is superseded


@dataclass(slots=True)
class ChannelRead:
    """What a batch read of one channel: its settings version, delivery memory and votes."""

    channel: ChannelRef
    version: str | None
    memory: tuple[str, str]  # the delivery memory as read: last post `at`, held claim `k` ('' if none)
    last_post: datetime | None  # the last post the decision counted
    profile: FeedbackProfile | None = None  # the channel's votes (None: it has none)


@dataclass
class Work:
    """One channel's claim to make: the post due now, or (`resolve`) a held claim of another day."""

    read: ChannelRead
    schedule: Schedule  # for a held claim, with that claim's zone
    local_day: date
    ranked: list[RankedPaper]
    keys: tuple[str, str, str, str]  # claim, posted, sub, last
    resolve: Resolve | None = None  # None: the post of the day due now
    legacy_key: bool = False  # a claim of the version before zone-keyed claims: its idempotency key

    @property
    def channel(self) -> ChannelRef:
        return self.read.channel

    def last_post_at(self) -> float | None:
        """The last post the decision counted, in epoch seconds."""
        return self.read.last_post.timestamp() if self.read.last_post else None


@dataclass
class Claimed:
    """A claim this engine holds and has to deliver."""

    work: Work
    delivery: Delivery
    claim_key: str
    picked: tuple[str, ...]  # the ids stored in the claim: all recorded as posted once it is out


@dataclass
class Batch:
    """What the claims of one batch lead to."""

    moves: list[Move] = field(default_factory=list)  # due-index entries to move
    claimed: list[Claimed] = field(default_factory=list)  # posts to deliver
    again: list[Work] = field(default_factory=list)  # to claim again with every candidate


class Claims:
    """Builds the CLAIM commands of one engine and sorts their replies."""

    def __init__(self, keys: Keys, settings: Settings, leases: Leases, decisions: DecisionCache) -> None:
        self._keys = keys
        self._leases = leases
        self._decisions = decisions
        self._lookback_days = settings.daily_lookback_days
        # also claim the key of the version before zone-keyed claims (a rolling upgrade)
        self._legacy = settings.daily_legacy_claims
        self._head = Packed(["EVALSHA", scripts.CLAIM.sha, 6 if self._legacy else 5])
        self._consts = Packed([leases.owner, leases.lease_ms, CLAIM_TTL_SECONDS])
        self._packed: dict[tuple[Any, ...], Packed] = {}  # argument runs shared by many commands

    def held_work(self, pool: Pool, read: ChannelRead, schedule: Schedule, held: str, due: bool) -> Work:
        """The work of resolving the claim `held` (another local day's, still in flight); `due`:
        the schedule now set owes a post."""
        zone, day = self._keys.parse_claim(held)
        if zone is not None and zone != schedule.timezone:
            schedule = replace(schedule, timezone=zone)
        return Work(
            read,  # its memory names `held`
            schedule,
            day,
            pool.ranking(schedule.topics, read.profile),
            (held, *self._keys.channel_keys(read.channel, schedule.timezone, day)[1:]),  # type: ignore[arg-type]
            resolve=Resolve.POST if due else Resolve.LOOK,
            legacy_key=zone is None,
        )

    def command(self, w: Work, pool: Pool, now_s: int, complete: bool) -> tuple[Any, ...]:
        """The CLAIM command of `w` at `now_s` (epoch seconds); `complete`: with every candidate."""
        want = w.schedule.top
        limit = len(w.ranked)
        if not complete:
            limit = min(limit, want * (self._lookback_days + 2))
            complete = limit == len(w.ranked)
        note = w.schedule.nothing_new_note
        shared = (want, note, now_s, w.local_day, complete)
        args = self._packed.get(shared)
        if args is None:
            day = w.local_day.isoformat()
            args = Packed([want, "1" if note else "0", now_s, day, "1" if complete else "0"])
            if len(self._packed) > MAX_PACKED:
                self._packed.clear()
            self._packed[shared] = args
        claim, posted, sub, last = w.keys
        last_at, held = w.read.memory
        legacy = (self._keys.legacy_claim(w.channel, w.local_day),) if self._legacy else ()
        return (
            self._head,
            claim,
            posted,
            sub,
            last,
            held or claim,
            *legacy,
            self._consts,
            args,
            last_at,
            held,
            pool.candidates(w.schedule.topics, limit, w.read.profile),
        )

    def settle(self, ctx: PassContext, w: Work, reply: str, batch: Batch) -> None:
        """Sort the CLAIM reply of `w` into `batch`, and count it in the pass's report."""
        result = ClaimResult.parse(reply)
        report = ctx.report
        match result.reply:
            case ClaimReply.CLAIMED | ClaimReply.RECOVER:
                batch.claimed.append(self._claimed(ctx, w, result))
            case ClaimReply.MORE:
                batch.again.append(w)
            case ClaimReply.EMPTY | ClaimReply.DONE:
                if result.reply is ClaimReply.EMPTY:
                    report.nothing_new += 1
                else:
                    report.already_done += 1
                after = 0.0 if w.resolve else self._next_after(w)  # 0: decide anew
                batch.moves.append(Move(w.channel, after, w.read.version))
            case ClaimReply.BUSY | ClaimReply.STALE:
                # its owner moves the entry when it is done; a stale one is due again on the next pass
                report.busy += 1
            case ClaimReply.WAIT:
                report.waiting += 1
                next_day = math.inf if w.resolve else self._next_after(w)
                batch.moves.append(Move(w.channel, min(result.retry_at, next_day), w.read.version))
            case ClaimReply.PAUSED | ClaimReply.GONE:  # changed since we loaded it
                report.skipped += 1
                batch.moves.append(Move(w.channel, None, w.read.version))

    def _claimed(self, ctx: PassContext, w: Work, result: ClaimResult) -> Claimed:
        pool = ctx.pool
        entries = pool.lookup(w.schedule.topics, result.ids, w.read.profile)
        recovered = result.reply is ClaimReply.RECOVER
        if recovered:
            total = len(entries)
            ctx.report.recovered += 1
        else:
            total = len(entries) + max(0, len(w.ranked) - result.checked)
        digest = Digest(day=pool.day, entries=tuple(entries), total=total, topics=w.schedule.topics)
        zone = None if w.legacy_key else w.schedule.timezone
        delivery = Delivery(
            channel=w.channel,
            digest=digest,
            local_day=w.local_day,
            idempotency_key=idempotency_key(self._keys.prefix, w.channel, w.local_day, zone),
            attempt=result.attempt,
            recovered=recovered,
        )
        claim_key = w.keys[0]
        self._leases.hold(claim_key)
        return Claimed(w, delivery, claim_key, result.ids)

    def _next_after(self, w: Work) -> float:
        return self._decisions.next_after(w.schedule, w.local_day, w.last_post_at())
