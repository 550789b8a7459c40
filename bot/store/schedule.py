"""When a channel's daily post is due: local dates, post instants, weekdays-only, the last post.

Pure functions of a `Schedule`, an aware `now` and the instant of the channel's last post; the
store (status, due index) and the engine share them. A local post time that does not exist on a
day (a DST gap) is taken with the offset before the change, i.e. it lands one hour later on the
wall clock; an ambiguous one (DST end) is the first.

The rule, which holds whatever the settings did meanwhile (time, time zone, weekdays-only,
pause, a new subscription after `unsubscribe`): each post day of the channel's current time zone
gets one post, at its post time, unless

* a post was already made on that local day (in the zone now set: a post made at 00:01 UTC is
  on the 15th in Tokyo and on the 14th in Los Angeles), then the day gets none; or
* its post time had already passed when the daily post started: a new subscription (also after
  `unsubscribe`) or `resume` after a pause (`since`, the subscription's `active_since`). The
  first post is then at the next post time, not at once. A change of time or zone is not a
  start: a day that is owed and had no post still gets it, late if need be; or
* its post time is less than `MIN_GAP` after the last post, then the post waits until
  `MIN_GAP` has passed, which is always still the same local day.

So two posts are never less than 20 hours apart, no local day gets two, and a day that had no post
is never skipped once the daily post has started. The memory of the last post outlives the
subscription (`bot.store.keys`). Why the rule is so, and what the 20-hour gap costs after a late
post: docs/daily-engine.md, "The schedule rule".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.store.models import Schedule

#: Least time between two daily posts of one channel. Less than the shortest local day (23 hours,
#: a DST start), so a schedule without changes is never held back by it; enough that a change of
#: time or zone never brings a second post the same day or the next morning.
MIN_GAP = timedelta(hours=20)

#: Longest stretch the next post can be away (weekdays-only, plus a covered day): a guard.
_MAX_DAYS_AHEAD = 14


def last_post_of(*stamps: str | None) -> datetime | None:
    """The latest of epoch-seconds strings as an aware UTC datetime; None when all are empty.

    Given the delivery memory's `at` and the subscription's `last_post_at`: the second also carries
    the last post from before the memory existed, so an upgrade does not post twice that day.
    """
    found = [float(v) for v in stamps if v]
    return datetime.fromtimestamp(max(found), UTC) if found else None


def local_today(schedule: Schedule, now: datetime) -> date:
    return now.astimezone(schedule.tz).date()


def is_post_day(schedule: Schedule, day: date) -> bool:
    return not schedule.weekdays_only or day.weekday() < 5


def post_instant(schedule: Schedule, day: date) -> datetime:
    """The UTC instant of the post time on local date `day`."""
    return datetime.combine(day, schedule.post_time, tzinfo=schedule.tz).astimezone(UTC)


def day_start(schedule: Schedule, day: date) -> datetime:
    """The UTC instant local date `day` begins (its first instant, also when midnight is in a DST gap)."""
    return datetime.combine(day, time(0), tzinfo=schedule.tz).astimezone(UTC)


def first_post_day(schedule: Schedule, day: date) -> date:
    """`day` or the first later date that is a post day."""
    while not is_post_day(schedule, day):
        day += timedelta(days=1)
    return day


def next_after(schedule: Schedule, day: date) -> datetime:
    """The post time of the first post day after local date `day`, ignoring the last post."""
    return post_instant(schedule, first_post_day(schedule, day + timedelta(days=1)))


def posted_on(schedule: Schedule, last_post: datetime | None, day: date) -> bool:
    """True when the last post was made on local `day` (or later) in the schedule's time zone."""
    return last_post is not None and local_today(schedule, last_post) >= day


def started_after(schedule: Schedule, since: datetime | None, day: date) -> bool:
    """True when the daily post started (`since`) on local `day` after that day's post time: the
    day is not owed. Only the day `since` falls on is concerned; the days before it were never
    the channel's to post (they are reached only with clocks that disagree)."""
    return since is not None and local_today(schedule, since) == day and post_instant(schedule, day) < since


def due_instant(
    schedule: Schedule, day: date, last_post: datetime | None, since: datetime | None = None
) -> datetime | None:
    """When the post of local date `day` is due: its post time, or `MIN_GAP` after `last_post`
    if that is later. None when `day` gets no post: not a post day, it already had one, or the
    daily post started (`since`) after that day's post time."""
    if not is_post_day(schedule, day) or posted_on(schedule, last_post, day):
        return None
    if started_after(schedule, since, day):
        return None
    at = post_instant(schedule, day)
    if last_post is not None and at < last_post + MIN_GAP:
        at = last_post + MIN_GAP
        if local_today(schedule, at) != day:  # cannot happen on days of 20 h or more: a guard
            return None
    return at


def next_due(
    schedule: Schedule, day: date, last_post: datetime | None = None, since: datetime | None = None
) -> datetime:
    """When the first post after local date `day` is due (see `due_instant`)."""
    for ahead in range(1, _MAX_DAYS_AHEAD + 1):
        at = due_instant(schedule, day + timedelta(days=ahead), last_post, since)
        if at is not None:
            return at
    raise ValueError(f"no post day within {_MAX_DAYS_AHEAD} days after {day}")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Decision:
    local_day: date  # the channel's local date at `now`
    due: bool  # today's post is due and today had none yet
    at: datetime  # when due: the instant it became due; else the next post's
    done: bool = False  # today already had its post (made at `last_post`)


def decide(
    schedule: Schedule, now: datetime, last_post: datetime | None = None, since: datetime | None = None
) -> Decision:
    """What to do for the channel at `now`, given its last post (None: none remembered) and when
    its daily post started (`since`: subscribed or resumed; None: not known, i.e. long ago).

    Raises `ZoneUnavailable` when the schedule's zone is not in this machine's tz database."""
    today = local_today(schedule, now)
    at = due_instant(schedule, today, last_post, since)
    if at is not None:
        return Decision(today, now >= at, at)
    done = posted_on(schedule, last_post, today)
    return Decision(today, False, next_due(schedule, today, last_post, since), done=done)
