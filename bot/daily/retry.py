"""When a failed daily post is tried again: exponential backoff with "equal jitter", or the wait the
platform named, and when to give up for the day.

Our own on purpose: it is a pure function of the attempt number (the attempts of one post are counted
in its Redis claim across passes and engines, not inside one call as tenacity's retry loop counts
them), so only its formula could be borrowed, and that is three lines.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`base` and `cap` in seconds (DAILY_RETRY_BASE_SECONDS, DAILY_RETRY_MAX_SECONDS);
    `max_attempts` (DAILY_MAX_ATTEMPTS) sends of one post a local day at the most."""

    base: float
    cap: float
    max_attempts: int

    def gives_up(self, attempt: int) -> bool:
        """Whether attempt number `attempt` (1-based) that failed was the last one of the day."""
        return attempt >= self.max_attempts

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before the next attempt after attempt number `attempt` failed: the platform's
        `retry_after`, within [1, cap]; else uniform in [c/2, c] with c = min(cap, base * 2^(attempt-1))
        ("equal jitter": M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015)."""
        if retry_after is not None:
            return max(1.0, min(float(retry_after), self.cap))
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)
