"""When a post is due: local days, DST, weekdays-only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.store import schedule as sched
from bot.store.models import Schedule


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_due_after_the_local_post_time() -> None:
    s = Schedule(post_time=time(9, 0), timezone="Europe/Paris")  # 07:00 UTC in October (CEST)
    assert not sched.decide(s, at(2025, 10, 15, 6, 59)).due
    d = sched.decide(s, at(2025, 10, 15, 7, 0))
    assert d.due and d.local_day == date(2025, 10, 15) and d.at == at(2025, 10, 15, 7)


def test_local_day_differs_from_utc_day() -> None:
    tokyo = Schedule(post_time=time(8, 0), timezone="Asia/Tokyo")
    d = sched.decide(tokyo, at(2025, 10, 14, 23, 30))  # 08:30 on the 15th in Tokyo
    assert d.due and d.local_day == date(2025, 10, 15)
    la = Schedule(post_time=time(20, 0), timezone="America/Los_Angeles")
    d = sched.decide(la, at(2025, 10, 16, 3, 30))  # 20:30 on the 15th in LA
    assert d.due and d.local_day == date(2025, 10, 15)


def test_dst_changes() -> None:
    s = Schedule(post_time=time(9, 0), timezone="America/New_York")
    assert sched.post_instant(s, date(2025, 3, 8)) == at(2025, 3, 8, 14)  # EST
    assert sched.post_instant(s, date(2025, 3, 10)) == at(2025, 3, 10, 13)  # EDT
    gap = Schedule(post_time=time(2, 30), timezone="America/New_York")  # 02:30 does not exist on 9 March
    assert sched.post_instant(gap, date(2025, 3, 9)) == at(2025, 3, 9, 7, 30)


def test_weekdays_only_skips_the_weekend() -> None:
    s = Schedule(post_time=time(9, 0), weekdays_only=True)
    saturday = at(2025, 10, 18, 10)
    d = sched.decide(s, saturday)
    assert not d.due and d.at == at(2025, 10, 20, 9)  # Monday
    assert sched.next_after(s, date(2025, 10, 17)) == at(2025, 10, 20, 9)  # after Friday: Monday
    every_day = Schedule(post_time=time(9, 0))
    assert sched.decide(every_day, saturday).due


def test_a_passed_post_time_is_still_due_today() -> None:
    s = Schedule(post_time=time(9, 0))
    assert sched.decide(s, at(2025, 10, 15, 18)) == sched.Decision(
        date(2025, 10, 15), True, at(2025, 10, 15, 9)
    )
