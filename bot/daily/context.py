"""`PassContext`: what every step of one daily pass shares (its clock, the adapter's `send`, the
paper pool, the recorder, the send limit and the report), handed on as one object."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime

from bot.daily.delivery import FindSent, Send
from bot.daily.pool import Pool
from bot.daily.recorder import Recorder
from bot.daily.report import RunReport
from bot.daily.retry import RetryPolicy


@dataclass
class PassContext:
    """One pass of `DailyEngine.run_due`: built once the pool is read, shared by its batches."""

    now: datetime  # the pass's logical time (aware)
    started: float  # time.monotonic() when the pass started
    send: Send
    find_sent: FindSent | None
    pool: Pool
    recorder: Recorder
    retry: RetryPolicy
    send_concurrency: int  # DAILY_SEND_CONCURRENCY: sends in flight at most, over all batches
    report: RunReport = field(default_factory=RunReport)
    sends: asyncio.Semaphore = field(init=False)  # holds `send_concurrency` sends

    def __post_init__(self) -> None:
        self.sends = asyncio.Semaphore(self.send_concurrency)

    def clock(self) -> float:
        """Epoch seconds now on the pass's clock: `now` plus the time the pass has taken."""
        return self.now.timestamp() + (time.monotonic() - self.started)
