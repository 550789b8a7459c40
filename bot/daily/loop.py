"""The in-process daily loop both chat apps run: wake every DAILY_TICK_SECONDS, run one engine pass.

Every replica runs this loop; the engine's Redis claims make each post happen once. A failing
pass (Redis down, a bug) is logged and retried on the next tick: the loop never dies, so a bot
that lost Redis for a while posts as soon as it is back, the same local day. A pass that could
read no list because Hugging Face rate-limited us is followed by one at the reset time HF gave
(`RunReport.source_back_at`), sooner or later than the next tick; one that left channels waiting
for a rate-limited list day, by one at that reset or the tick, whichever comes first. A reset that
is now or past (a pass may outlast it) brings the tick, and passes are at least MIN_PAUSE apart:
the loop never asks HF again at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.daily.delivery import FindSent, Send
from bot.daily.engine import DailyEngine
from bot.daily.report import RunReport
from bot.observability import metrics
from bot.store.keys import ChannelRef

log = logging.getLogger(__name__)

MIN_PAUSE = 1.0  # seconds between two passes, at the least


@dataclass
class DailyLoop:
    engine: DailyEngine
    send: Send
    platform: str
    tick_seconds: float
    find_sent: FindSent | None = None
    accept: Callable[[ChannelRef], bool] | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    last_run_at: datetime | None = None  # when the last pass finished, for /healthz
    last_report: RunReport | None = None
    last_error: str | None = None

    async def run_once(self) -> RunReport | None:
        """One pass; None when it failed (the error is logged and kept for /healthz)."""
        try:
            report = await self.engine.run_due(
                self.clock(),
                self.send,
                platforms=[self.platform],
                find_sent=self.find_sent,
                accept=self.accept,
            )
        except Exception as exc:  # the loop must outlive any failure of one pass
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("daily pass failed; retrying in %.0fs", self.tick_seconds)
            return None
        self.last_run_at, self.last_report, self.last_error = self.clock(), report, None
        for result in ("posted", "failed", "retrying", "paused"):
            if count := getattr(report, result):
                metrics.POSTS.labels(self.platform, result).inc(count)
        if report.paused:
            metrics.CHANNELS_PAUSED.labels(self.platform).inc(report.paused)
        if report.due:
            log.info("daily pass", extra={"platform": self.platform, **report.as_dict()})
        return report

    def pause_after(self, report: RunReport | None) -> float:
        """Seconds until the next pass: the tick; or until HF's reset when a rate limit stopped this
        pass (even past the tick) or held some of its channels back (if before the tick). A reset
        now or past is no reason to come back early: the tick."""
        back = report.source_back_at if report is not None else None
        left = back - time.time() if back is not None else 0.0
        if report is None or left <= 0:
            return self.tick_seconds
        return max(MIN_PAUSE, left if report.source_unavailable else min(left, self.tick_seconds))

    async def run_forever(self) -> None:
        while True:
            report = await self.run_once()
            await asyncio.sleep(self.pause_after(report))
