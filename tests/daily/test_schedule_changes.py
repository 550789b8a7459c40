"""Schedule changes never bring a second daily post, nor lose one (issue 10, kind 2).

The rule (bot/store/schedule.py): each post day of the zone now set gets one post at its post
time, unless that local day already had a post (then none), or the post time is less than 20 hours
after the last post (then the post waits until 20 hours have passed, the same local day).

First the issue's example and its relatives, one by one; then a property test: random sequences
of changes (time, zone, weekdays-only, pause/resume, unsubscribe/subscribe) and engine passes at
random clock times, against the real engine and Redis, checked against the rule at every pass.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.daily import DailyEngine, Delivery
from bot.store import ChannelRef, NotSubscribed, Schedule, State
from tests.daily.conftest import TODAY, Sink, at, papers_of, serve
from tests.fake_hf import FakeHF

C1 = ChannelRef("slack", "T1", "C1")
MIN_GAP = timedelta(hours=20)


async def run(
    engine: DailyEngine, sink: Sink, start: datetime, end: datetime, every: int = 30
) -> list[datetime]:
    """Engine passes every `every` minutes from `start` to `end` (inclusive), as the loop makes
    them; returns the times of the passes that posted."""
    now, posted = start, []
    while now <= end:
        before = len(sink.sent)
        await engine.run_due(now, sink)
        posted += [now] * (len(sink.sent) - before)
        now += timedelta(minutes=every)
    return posted


# --- the example and its relatives -------------------------------------------------------


async def test_tokyo_then_los_angeles_posts_once(state: State, engine: DailyEngine, sink: Sink) -> None:
    """Posted for Tokyo's 15th at 00:01 UTC; at 01:00 UTC the zone becomes Los Angeles, where it is
    still the 14th at 18:00, after 09:00: the 14th in LA had its post (at 17:01 LA), none again."""
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="Asia/Tokyo")
    await engine.run_due(at(TODAY, 0, 1), sink)
    assert [d.local_day for d in sink.sent] == [TODAY]
    await state.subscriptions.set_time(C1, "09:00", "America/Los_Angeles", by="u")
    report = await engine.run_due(at(TODAY, 1, 2), sink)
    assert report.already_done == 1 and len(sink.sent) == 1
    status = await state.subscriptions.status(C1, now=at(TODAY, 1, 2))
    assert status is not None and status.posted_today
    # LA's 15th had no post: it gets one, 20 hours after the last (13:01 in LA, not 09:00)
    assert status.next_post_at == at(TODAY, 20, 1)
    times = await run(engine, sink, at(TODAY, 1, 30), at(TODAY + timedelta(days=3), 0), every=15)
    # (passes every 15 minutes: 20:15; the next day 20 hours later, 16:15; then 09:00 in LA)
    day2, day3 = TODAY + timedelta(days=1), TODAY + timedelta(days=2)
    assert times == [at(TODAY, 20, 15), at(day2, 16, 15), at(day3, 16)]
    assert [d.local_day for d in sink.sent] == [TODAY, TODAY, day2, day3]


async def test_moving_east_after_the_post(state: State, engine: DailyEngine, sink: Sink) -> None:
    """Posted at 09:00 in LA (16:00 UTC), then Tokyo: Tokyo's next 09:00 is 8 hours later, but it
    is the Tokyo day the post was made on (01:00 on the 16th): no post until Tokyo's 17th."""
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="America/Los_Angeles")
    first = await run(engine, sink, at(TODAY, 15, 30), at(TODAY, 16, 30))
    await state.subscriptions.set_time(C1, "09:00", "Asia/Tokyo", by="u")
    later = await run(engine, sink, at(TODAY, 17), at(TODAY + timedelta(days=2), 1))
    assert first + later == [at(TODAY, 16), at(TODAY + timedelta(days=2), 0)]
    assert [d.local_day for d in sink.sent] == [TODAY, TODAY + timedelta(days=2)]


async def test_an_earlier_time_waits_for_the_gap_without_losing_the_day(
    state: State, engine: DailyEngine, sink: Sink
) -> None:
    """09:00 posted; changed to 04:00: the next day's post comes at 05:00 (20 h), not skipped."""
    await state.subscriptions.configure(C1, by="u", post_time="09:00")
    await engine.run_due(at(TODAY, 9), sink)
    await state.subscriptions.set_time(C1, "04:00", by="u")
    times = await run(engine, sink, at(TODAY, 10), at(TODAY + timedelta(days=2), 6), every=15)
    tomorrow, after = TODAY + timedelta(days=1), TODAY + timedelta(days=2)
    assert times == [at(tomorrow, 5), at(after, 4)]  # then back on its time
    assert [d.local_day for d in sink.sent] == [TODAY, tomorrow, after]


async def test_unsubscribe_and_subscribe_again_the_same_day(
    state: State, engine: DailyEngine, sink: Sink
) -> None:
    """A new subscription (09:00 UTC by default) the day a Los Angeles post went out at 03:00 UTC."""
    la = {"post_time": "20:00", "timezone": "America/Los_Angeles"}
    await state.subscriptions.configure(C1, by="u", **la)
    await engine.run_due(at(TODAY + timedelta(days=1), 3, 1), sink)  # 20:01 on the 15th in LA
    assert await state.subscriptions.unsubscribe(C1, by="u")
    await state.subscriptions.subscribe(C1, by="u")
    await run(engine, sink, at(TODAY + timedelta(days=1), 3, 30), at(TODAY + timedelta(days=1), 23))
    assert len(sink.sent) == 1  # UTC's 16th began at 00:00; its 09:00 is 6 hours after the post
    await run(engine, sink, at(TODAY + timedelta(days=2), 8), at(TODAY + timedelta(days=2), 9, 30))
    assert [d.local_day for d in sink.sent] == [TODAY, TODAY + timedelta(days=2)]


async def test_pause_change_resume(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="Asia/Tokyo")
    await engine.run_due(at(TODAY, 0, 5), sink)
    await state.subscriptions.pause(C1, by="u")
    await state.subscriptions.set_time(C1, "10:00", "America/New_York", by="u")
    await state.subscriptions.resume(C1, by="u")
    # New York's 14th had the post (20:05 there); its 15th's 10:00 (14:00 UTC) is 14 h after it:
    # the post waits until 20:05 UTC (16:05 in New York)
    times = await run(engine, sink, at(TODAY, 0, 30), at(TODAY, 21), every=5)
    assert times == [at(TODAY, 20, 5)]
    assert [d.local_day for d in sink.sent] == [TODAY, TODAY]
    assert sink.sent[1].idempotency_key != sink.sent[0].idempotency_key  # another zone's day


async def test_weekdays_only_after_a_zone_change(state: State, engine: DailyEngine, sink: Sink) -> None:
    """Tokyo's Monday post is Sunday evening in LA; weekdays-only LA then posts Monday, once."""
    monday = date(2025, 10, 20)
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="Asia/Tokyo")
    await engine.run_due(at(monday, 0), sink)  # 09:00 Monday in Tokyo, 17:00 Sunday in LA
    await state.subscriptions.configure(C1, by="u", timezone="America/Los_Angeles", weekdays_only=True)
    times = await run(engine, sink, at(monday, 0, 30), at(monday + timedelta(days=1), 23))
    assert times == [at(monday, 20), at(monday + timedelta(days=1), 16)]  # 13:00 once, then 09:00
    assert [d.local_day for d in sink.sent] == [monday, monday, monday + timedelta(days=1)]


async def test_a_zone_change_during_a_send_in_another_replica(state: State) -> None:
    """Replica A is sending Tokyo's post when the zone becomes Los Angeles; replica B must wait
    for A instead of claiming LA's day, then sees the post and makes none."""
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="Asia/Tokyo")
    a, b = DailyEngine(state), DailyEngine(state)
    release, started = asyncio.Event(), asyncio.Event()

    async def slow_send(delivery: Delivery) -> str:
        started.set()
        await release.wait()
        return "m1"

    task = asyncio.create_task(a.run_due(at(TODAY, 0, 1), slow_send))
    await asyncio.wait_for(started.wait(), 5)
    await state.subscriptions.set_time(C1, "09:00", "America/Los_Angeles", by="u")
    sink = Sink()
    assert (await b.run_due(at(TODAY, 0, 2), sink)).busy == 1
    release.set()
    await task
    report = await b.run_due(at(TODAY, 0, 3), sink)
    assert report.already_done == 1 and sink.sent == []


async def test_a_post_made_before_the_upgrade_counts(state: State, engine: DailyEngine, sink: Sink) -> None:
    """A channel posted today by the previous version (no delivery memory, its claim under the old
    key) is not posted to again: its subscription's last_post_at counts as the last post."""
    await state.subscriptions.configure(C1, by="u", post_time="09:00")
    await state.redis.hset(state.keys.sub(C1), mapping={"last_post_at": str(at(TODAY, 9).timestamp())})
    await run(engine, sink, at(TODAY, 9, 30), at(TODAY, 23, 30))
    assert sink.sent == []
    await engine.run_due(at(TODAY + timedelta(days=1), 9), sink)
    assert len(sink.sent) == 1


# --- the property ------------------------------------------------------------------------------

ZONES = (
    "UTC", "Asia/Tokyo", "America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin",
    "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe",
    "Pacific/Chatham", "America/St_Johns", "America/Santiago",
)  # fmt: skip
# A quiet week, and the weeks of DST changes in Europe, the US, Chile and Australia (Lord Howe: 30 min).
STARTS = (
    datetime(2025, 10, 13, tzinfo=UTC),
    datetime(2025, 10, 24, tzinfo=UTC),
    datetime(2025, 10, 31, tzinfo=UTC),
    datetime(2025, 3, 7, tzinfo=UTC),
    datetime(2025, 3, 28, tzinfo=UTC),
    datetime(2025, 4, 4, tzinfo=UTC),
    datetime(2025, 9, 4, tzinfo=UTC),
)
SPAN_DAYS = 4

clock_times = st.builds(time, st.integers(0, 23), st.sampled_from((0, 1, 15, 30, 59)))
changes = st.one_of(
    st.tuples(st.just("time"), clock_times),
    st.tuples(st.just("zone"), st.sampled_from(ZONES)),
    st.tuples(st.just("time_zone"), clock_times, st.sampled_from(ZONES)),
    st.tuples(st.just("weekdays"), st.booleans()),
    st.sampled_from((("pause",), ("resume",), ("unsubscribe",), ("subscribe",))),
    st.tuples(st.just("down"), st.integers(30, 20 * 60)),  # no engine passes for that many minutes
)
waits = st.one_of(st.integers(1, 90), st.integers(90, 20 * 60))  # minutes from the previous change
scenarios = st.fixed_dictionaries(
    {
        "start": st.sampled_from(STARTS),
        "offset": st.integers(0, 24 * 60 - 1),
        "every": st.sampled_from((10, 30, 120, 360)),  # minutes between engine passes
        "time": clock_times,
        "zone": st.sampled_from(ZONES),
        "weekdays": st.booleans(),
        "changes": st.lists(st.tuples(waits, changes), max_size=12),
    }
)


@dataclass
class Model:
    """What the channel is set to, and the posts it got (UTC instants, with the zone then set)."""

    schedule: Schedule | None
    paused: bool = False
    posts: list[tuple[datetime, str]] = field(default_factory=list)

    def owed(self, now: datetime) -> bool:
        """The rule, stated directly: a post is owed at `now` on a post day of the zone now set
        that had no post yet, once its post time has passed and 20 hours since the last post."""
        if self.schedule is None or self.paused:
            return False
        zone = ZoneInfo(self.schedule.timezone)
        today = now.astimezone(zone).date()
        if self.schedule.weekdays_only and today.weekday() >= 5:
            return False
        if any(p.astimezone(zone).date() >= today for p, _ in self.posts):
            return False
        post_time = datetime.combine(today, self.schedule.post_time, tzinfo=zone)
        return now >= max([post_time, *(p + MIN_GAP for p, _ in self.posts)])


async def apply(state: State, channel: ChannelRef, action: tuple) -> None:
    store = state.subscriptions
    kind = action[0]
    try:
        if kind == "time":
            await store.set_time(channel, action[1], by="u")
        elif kind == "zone":
            await store.configure(channel, by="u", create=False, timezone=action[1])
        elif kind == "time_zone":
            await store.set_time(channel, action[1], action[2], by="u")
        elif kind == "weekdays":
            await store.configure(channel, by="u", create=False, weekdays_only=action[1])
        elif kind == "pause":
            await store.pause(channel, by="u")
        elif kind == "resume":
            await store.resume(channel, by="u")
        elif kind == "unsubscribe":
            await store.unsubscribe(channel, by="u")
        else:
            await store.subscribe(channel, by="u")
    except NotSubscribed:
        pass


_channels = itertools.count()


async def play(state: State, channel: ChannelRef, model: Model, scenario: dict) -> None:
    """Engine passes every few minutes (but none while "down") and the changes in between, for
    SPAN_DAYS: at every pass the engine posts exactly when the rule owes a post."""
    engine, sink, store = DailyEngine(state), Sink(), state.subscriptions
    start = scenario["start"] + timedelta(minutes=scenario["offset"])
    events: list[tuple[datetime, int, tuple]] = []
    at_ = start
    for wait, change in scenario["changes"]:
        at_ += timedelta(minutes=wait)
        events.append((at_, 0, change))
    every = timedelta(minutes=scenario["every"])
    events += [
        (start + every * k, 1, ("pass",)) for k in range(1, SPAN_DAYS * 24 * 60 // scenario["every"] + 1)
    ]
    down_until = start
    for now, _, action in sorted(events, key=lambda e: e[:2]):
        if action[0] == "down":
            down_until = max(down_until, now + timedelta(minutes=action[1]))
        elif action[0] != "pass":
            await apply(state, channel, action)
            found = await store.get(channel)
            model.schedule, model.paused = (found.schedule, found.paused) if found else (None, False)
        elif now >= down_until:
            owed = model.owed(now)
            before = len(sink.sent)
            await engine.run_due(now, sink)
            made = [d for d in sink.sent[before:] if d.channel == channel]
            assert len(made) == (1 if owed else 0), (now, model, made)
            if made:
                assert model.schedule is not None
                assert made[0].local_day == now.astimezone(ZoneInfo(model.schedule.timezone)).date()
                status = await store.status(channel, now=now)
                assert status is not None and status.last_post_at is not None
                assert now <= status.last_post_at <= now + timedelta(seconds=5)
                model.posts.append((status.last_post_at, model.schedule.timezone))


@pytest.fixture
def fake_hf(fake_hf: FakeHF) -> FakeHF:
    """Ten papers on every day the scenarios can reach (a post always has something to post)."""
    days = {s.date() + timedelta(days=d) for s in STARTS for d in range(-5, SPAN_DAYS + 12)}
    serve(fake_hf, {day: papers_of(day) for day in days})
    return fake_hf


@settings(
    max_examples=int(os.environ.get("SCHEDULE_EXAMPLES") or 60),  # more for a deeper search
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios)
async def test_no_sequence_of_changes_posts_twice_or_skips_a_day(state: State, scenario: dict) -> None:
    channel = ChannelRef("slack", "T1", f"P{next(_channels)}")  # a new channel per example
    sub = await state.subscriptions.configure(
        channel, by="u", top=1, post_time=scenario["time"], timezone=scenario["zone"],
        weekdays_only=scenario["weekdays"],
    )  # fmt: skip
    model = Model(sub.schedule)
    try:
        await play(state, channel, model, scenario)
    finally:  # the examples share the State: leave nothing for the next one's passes
        await state.subscriptions.unsubscribe(channel, by="u")

    # The three properties of the issue, stated on the posts alone:
    instants = [p for p, _ in model.posts]
    assert all(b - a >= MIN_GAP for a, b in itertools.pairwise(instants))  # never two within 20 h
    for i, (later, zone) in enumerate(model.posts):  # no local day gets two posts
        day = later.astimezone(ZoneInfo(zone)).date()
        assert all(p.astimezone(ZoneInfo(zone)).date() < day for p, _ in model.posts[:i])
    # ... and no owed post was left out: checked at every pass in `play` (owed -> a post)
