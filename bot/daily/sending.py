"""Sending the claimed posts of a daily pass, and the outcome of each attempt.

Sends run concurrently (DAILY_SEND_CONCURRENCY over the whole pass); each outcome (`Outcome`) is
turned at once into a FINISH command and a due-index move, recorded by the pass's `Recorder`. A post
that may already be out (a taken-over claim, a retry) is first looked up with `find_sent` when the
adapter gives one. A failure is released for a retry (`bot.daily.retry`), or given up for the day;
`ChannelGone` pauses the channel. Design and guarantees: docs/daily-engine.md.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.daily.claims import Claimed, Resolve
from bot.daily.context import PassContext
from bot.daily.decisions import DecisionCache
from bot.daily.errors import ChannelGone, DeliveryFailed
from bot.daily.leases import Leases
from bot.daily.recorder import Move
from bot.settings import Settings
from bot.store import scripts
from bot.store.resp import Packed
from bot.store.subscriptions import SubscriptionStore

log = logging.getLogger(__name__)

MAX_ERROR_TEXT = 300
MAX_PACKED = 10000  # FINISH argument runs kept across passes; more, and they are dropped


class Outcome(StrEnum):
    """The outcome of one delivery attempt: the values are the FINISH script's (`bot.store.scripts`)."""

    SENT = "sent"  # the platform confirmed the post
    FOUND = "found"  # `find_sent` found it out already (sent by an earlier attempt)
    RETRY = "retry"  # failed, or could not be looked up: released for a retry
    FAILED = "failed"  # failed DAILY_MAX_ATTEMPTS times: given up for the local day
    GONE = "gone"  # `ChannelGone`: given up, the channel paused
    SUPERSEDED = "superseded"  # a held claim not out, and the schedule now set owes no post yet


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt ended with: `text` is the message id or the error; `retry_at` epoch
    seconds (RETRY only)."""

    outcome: Outcome
    text: str
    retry_at: float = 0.0


class Sender:
    """Delivers the claimed posts of one engine's passes and builds their FINISH commands."""

    def __init__(
        self, settings: Settings, leases: Leases, decisions: DecisionCache, subscriptions: SubscriptionStore
    ) -> None:
        self._leases = leases
        self._decisions = decisions
        self._subscriptions = subscriptions
        self._retention_seconds = settings.posted_retention_days * 86400
        self._head = Packed(["EVALSHA", scripts.FINISH.sha, 4])
        self._packed: dict[tuple[Any, ...], Packed] = {}  # argument runs shared by many commands

    async def deliver(self, ctx: PassContext, claimed: list[Claimed]) -> None:
        """Send with at most DAILY_SEND_CONCURRENCY sends in flight; record each outcome at once."""
        records: list[tuple[Claimed, Move, asyncio.Future[Any]]] = []
        queue = iter(claimed)

        async def worker() -> None:
            for item in queue:
                async with ctx.sends:
                    if not self._leases.holds(item.claim_key):  # lease lost before the send: not ours now
                        ctx.report.busy += 1
                        continue
                    self._leases.start_send(item.claim_key)
                    attempt = await self.attempt(ctx, item)
                move, finish = self.finish(item, attempt, ctx.clock())
                future = ctx.recorder.submit(move, finish)
                # Recorded or not, the lease is no longer renewed once FINISH has answered: a claim
                # not recorded is taken over and resolved (find_sent / idempotent resend) later.
                future.add_done_callback(lambda _, key=item.claim_key: self._leases.drop(key))
                records.append((item, move, future))

        await asyncio.gather(*(worker() for _ in range(min(ctx.send_concurrency, len(claimed)))))
        for item, move, future in records:
            version = await future
            if isinstance(version, Exception):
                log.error("%s: could not record the outcome: %s", item.work.channel, version)
                continue
            if version != move.expected_version:
                await self._subscriptions.sync_due(item.work.channel)

    async def attempt(self, ctx: PassContext, item: Claimed) -> Attempt:
        """Look up (when it may be out already) and send one claimed post; count it in the report."""
        delivery = item.delivery
        report = ctx.report
        # A taken-over claim, or a retry after a failure that may have happened after the platform
        # accepted the post (a timeout, a 5xx): look before sending again.
        look = item.work.resolve is Resolve.LOOK
        if (delivery.recovered or delivery.attempt > 1 or look) and ctx.find_sent is not None:
            try:
                found = await ctx.find_sent(delivery)
            except Exception as exc:  # the lookup failing must not lose the post: send it
                log.warning("%s: find_sent failed (%s); sending", delivery.channel, exc)
                if look:  # nothing is owed now: look again later
                    text = f"find_sent failed: {exc}"[:MAX_ERROR_TEXT]
                    return Attempt(Outcome.RETRY, text, ctx.clock() + ctx.retry.base)
                found = None
            if found:
                report.confirmed += 1
                return Attempt(Outcome.FOUND, str(found))
            if look:  # not out, and the schedule now set owes no post yet
                return Attempt(Outcome.SUPERSEDED, "not posted; the schedule changed before its retry")
        try:
            message_id = await ctx.send(delivery)
        except ChannelGone as exc:
            report.paused += 1
            log.info("%s: paused, %s", delivery.channel, exc.reason)
            return Attempt(Outcome.GONE, exc.reason or "the channel is gone")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = exc.reason if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"
            if ctx.retry.gives_up(delivery.attempt):
                report.failed += 1
                log.warning("%s: giving up for %s after %d attempts: %s", delivery.channel,
                            delivery.local_day, delivery.attempt, reason)  # fmt: skip
                return Attempt(Outcome.FAILED, reason)
            delay = ctx.retry.delay(delivery.attempt, getattr(exc, "retry_after", None))
            report.retrying += 1
            log.info("%s: post failed (%s); retry in %.0fs", delivery.channel, reason, delay)
            return Attempt(Outcome.RETRY, reason, float(math.ceil(ctx.clock() + delay)))
        report.posted += 1
        return Attempt(Outcome.SENT, str(message_id))

    def finish(self, item: Claimed, attempt: Attempt, at: float) -> tuple[Move, tuple[Any, ...]]:
        """The due-index move and the FINISH command of one attempt that ended at `at` (epoch s)."""
        w = item.work
        outcome, retry_at = attempt.outcome, attempt.retry_at
        sent = outcome in (Outcome.SENT, Outcome.FOUND)
        last = float(int(at)) if sent else w.last_post_at()
        if w.resolve or outcome in (Outcome.FOUND, Outcome.SUPERSEDED):
            # a post found counts from when it went out, and a held claim was another day's:
            # decide anew on the next pass, from the schedule now set
            next_day = math.inf if outcome is Outcome.RETRY else 0.0
        else:
            next_day = self._decisions.next_after(w.schedule, w.local_day, last)
        version = w.read.version
        if outcome is Outcome.RETRY:
            move = Move(w.channel, min(retry_at, next_day), version)
        elif outcome is Outcome.GONE:  # FINISH pauses the channel: one version more
            move = Move(w.channel, None, str(int(version) + 1) if version else None)
        else:
            move = Move(w.channel, next_day, version)
        second = int(at)
        shared = (outcome, second, w.local_day, int(retry_at))
        args = self._packed.get(shared)
        if args is None:
            retention = self._retention_seconds
            day = w.local_day.isoformat()
            args = Packed([self._leases.owner, outcome.value, second, second - retention, retention, day])
            if len(self._packed) > MAX_PACKED:
                self._packed.clear()
            self._packed[shared] = args
        head = (self._head, *w.keys, args)
        if sent:
            ids = dict.fromkeys(item.picked + item.delivery.paper_ids)
            forget = max(3600, self._decisions.day_end(w.schedule, w.local_day) + 3600 - second)
            return move, (*head, attempt.text, forget, *ids)
        return move, (*head, attempt.text[:MAX_ERROR_TEXT], int(retry_at))
