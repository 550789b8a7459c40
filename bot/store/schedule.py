"""When a channel's daily post is due: local dates, post instants, weekdays-only.

Pure functions of a `Schedule` and an aware `now`; the store (due index) and the engine share them.
A local post time that does not exist on a day (a DST gap) is taken with the offset before the
change, i.e. it lands one hour later on the wall clock; an ambiguous one (DST end) is the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.store.models import Schedule


def local_today(schedule: Schedule, now: datetime) -> date:
    return now.astimezone(schedule.tz).date()


def is_post_day(schedule: Schedule, day: date) -> bool:
    return not schedule.weekdays_only or day.weekday() < 5


def post_instant(schedule: Schedule, day: date) -> datetime:
    """The UTC instant of the post on local date `day`."""
    return datetime.combine(day, schedule.post_time, tzinfo=schedule.tz).astimezone(UTC)


def first_post_day(schedule: Schedule, day: date) -> date:
    """`day` or the first later date that is a post day."""
    while not is_post_day(schedule, day):
        day += timedelta(days=1)
    return day


def next_after(schedule: Schedule, day: date) -> datetime:
    """The post instant of the first post day after local date `day`."""
    return post_instant(schedule, first_post_day(schedule, day + timedelta(days=1)))


@dataclass(frozen=True, slots=True)
class Decision:
    local_day: date  # the channel's local date at `now`
    due: bool  # today's post time has passed and today is a post day
    at: datetime  # when due: today's post instant; else the next post instant


def decide(schedule: Schedule, now: datetime) -> Decision:
    today = local_today(schedule, now)
    if is_post_day(schedule, today):
        today_at = post_instant(schedule, today)
        if now >= today_at:
            return Decision(today, True, today_at)
        return Decision(today, False, today_at)
    return Decision(today, False, next_after(schedule, today))
