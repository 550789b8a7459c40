"""The schedule decisions of the daily passes, cached: whether a channel's post is due now, and when
to look at it next (`bot.store.schedule` decides; this module shares its answers between channels).

Thousands of channels store the same few schedules, so a decision, a day's start and end and the
next look are computed once per distinct schedule and kept across passes (each cache is cleared
when it outgrows 50,000 entries).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.store import schedule as sched
from bot.store.models import Schedule

MAX_ENTRIES = 50000


class DecisionCache:
    """Schedule decisions and local-day bounds, shared by the channels of every pass of one engine."""

    def __init__(self) -> None:
        self._decisions: dict[tuple[str, str], tuple[datetime, Schedule, sched.Decision]] = {}
        self._next: dict[tuple[Schedule, date], float] = {}
        self._ends: dict[tuple[str, date], int] = {}
        self._starts: dict[tuple[str, date], datetime] = {}

    def decide(
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
            if len(self._decisions) > MAX_ENTRIES:
                self._decisions.clear()
            schedule = Schedule.from_json(cfg, platform=platform)
            found = self._decisions[(platform, cfg)] = (now, schedule, sched.decide(schedule, now))
        schedule, decision = found[1], found[2]
        start = datetime.fromtimestamp(float(since), UTC) if since else None
        if (start is not None and start >= self.day_start(schedule, decision.local_day)) or (
            last_post is not None
            and (
                last_post + sched.MIN_GAP > decision.at
                or last_post >= self.day_start(schedule, decision.local_day)
            )
        ):
            decision = sched.decide(schedule, now, last_post, start)
        return schedule, decision

    def day_start(self, schedule: Schedule, day: date) -> datetime:
        """The first instant of local `day` in the schedule's time zone."""
        key = (schedule.timezone, day)
        found = self._starts.get(key)
        if found is None:
            if len(self._starts) > MAX_ENTRIES:
                self._starts.clear()
            found = self._starts[key] = sched.day_start(schedule, day)
        return found

    def day_end(self, schedule: Schedule, day: date) -> int:
        """Epoch seconds of the end of local `day` in the schedule's time zone."""
        key = (schedule.timezone, day)
        found = self._ends.get(key)
        if found is None:
            if len(self._ends) > MAX_ENTRIES:
                self._ends.clear()
            midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=schedule.tz)
            found = self._ends[key] = int(midnight.timestamp())
        return found

    def next_after(self, schedule: Schedule, day: date, last_post: float | None) -> float:
        """Epoch seconds at which to look at the channel again after local `day`: the next post
        day's post time, or `MIN_GAP` after the last post (epoch seconds). Never later than the next
        post is due (`sched.next_due`); the pass then at that time decides."""
        found = self._next.get((schedule, day))
        if found is None:
            if len(self._next) > MAX_ENTRIES:
                self._next.clear()
            found = self._next[(schedule, day)] = sched.next_after(schedule, day).timestamp()
        if last_post is not None:
            return max(found, last_post + sched.MIN_GAP.total_seconds())
        return found
