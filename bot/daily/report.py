"""`RunReport`: what one daily pass did, in counts of channels (logged, exported as metrics, and read
by `bot.daily.loop` to time the next pass)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
