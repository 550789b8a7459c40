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
import contextlib
import itertools
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.daily import DailyEngine, Delivery
from bot.daily.delivery import idempotency_key
from bot.store import ChannelRef, NotSubscribed, Schedule, State, SubscriptionStore
from tests.daily.conftest import TODAY, at, papers_of, serve
from tests.fakes.hf import FakeHF
from tests.fakes.platform import Sink

C1 = ChannelRef("slack", "T1", "C1")
MIN_GAP = timedelta(hours=20)
LEGACY_CLAIM = (Path(__file__).parent / "data" / "claim_before_zone_keys.lua").read_text()


class Platform:
    """A chat platform that keeps every message by idempotency key and can be asked for it
    (`find_sent`, like Slack's metadata search); its next send can fail or hang, before or after
    the message is posted (`fault`): a timeout after the platform accepted the post, or a replica
    killed in the middle of a send."""

    def __init__(self) -> None:
        self.posts: list[tuple[Delivery, datetime]] = []  # every message posted, with the pass time
        self.messages: dict[str, str] = {}  # idempotency key -> message id
        self.looked_up: list[Delivery] = []
        self.fault: str | None = None  # "fail-after", "fail-before", "hang-after", "hang-before"
        self.hanging = asyncio.Event()  # set when a hanging send started
        self.now = datetime.min.replace(tzinfo=UTC)

    async def send(self, delivery: Delivery) -> str:
        fault, self.fault = self.fault, None
        if fault in ("fail-after", "hang-after", None):
            message = self.messages.setdefault(delivery.idempotency_key, f"m{len(self.messages) + 1}")
            self.posts.append((delivery, self.now))
        if fault in ("fail-after", "fail-before"):
            raise TimeoutError("the platform did not answer in time")
        if fault in ("hang-after", "hang-before"):
            self.hanging.set()
            await asyncio.Event().wait()
        return message

    async def find_sent(self, delivery: Delivery) -> str | None:
        self.looked_up.append(delivery)
        return self.messages.get(delivery.idempotency_key)

    async def run(self, engine: DailyEngine, now: datetime, *, lookup: bool = True) -> bool:
        """One pass of `engine` at `now`; False when its send hung (the pass is then cancelled,
        as if its process had been killed: its claim stays until its lease runs out)."""
        self.now, self.hanging = now, asyncio.Event()
        task = asyncio.create_task(
            engine.run_due(now, self.send, find_sent=self.find_sent if lookup else None)
        )
        hung = asyncio.create_task(self.hanging.wait())
        await asyncio.wait({task, hung}, return_when=asyncio.FIRST_COMPLETED)
        hung.cancel()
        if task.done():
            task.result()
            return True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False


def short_lease(state: State, seconds: float = 0.2) -> DailyEngine:
    """An engine whose claims are taken over `seconds` after it dies."""
    return DailyEngine(
        replace(state, settings=state.settings.model_copy(update={"daily_lease_seconds": seconds}))
    )


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


# --- a send in flight when the schedule changes -------------------------------------------------


async def test_an_ambiguous_send_then_a_zone_change_posts_once(state: State, engine: DailyEngine) -> None:
    """Tokyo's post times out at 00:01 UTC after the platform posted it; at 00:04 the zone becomes
    Los Angeles. The post is looked up before anything else: found, it counts (from 00:01), and
    LA's 14th (17:01 there) had its post; LA's 15th gets its post 20 hours after it."""
    platform = Platform()
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="Asia/Tokyo")
    platform.fault = "fail-after"
    assert await platform.run(engine, at(TODAY, 0, 1))
    assert len(platform.posts) == 1
    await state.subscriptions.set_time(C1, "09:00", "America/Los_Angeles", by="u")
    for minute in (5, 10, 40):
        assert await platform.run(engine, at(TODAY, 0, minute))
    assert len(platform.posts) == 1
    assert (
        platform.looked_up and platform.looked_up[0].idempotency_key == platform.posts[0][0].idempotency_key
    )
    status = await state.subscriptions.status(C1, now=at(TODAY, 1))
    assert status is not None and status.last_post_at == at(TODAY, 0, 1) and status.posted_today
    assert status.next_post_at == at(TODAY, 20, 1)
    for hour in range(1, 24):
        await platform.run(engine, at(TODAY, hour, 1))
    assert [when for _, when in platform.posts] == [at(TODAY, 0, 1), at(TODAY, 20, 1)]


async def test_a_failed_send_then_a_zone_change_follows_the_new_schedule(
    state: State, engine: DailyEngine
) -> None:
    """The same, but the post never reached the platform: the lookup finds nothing, nothing is
    owed yet in the new zone (20:00 in Los Angeles), so the old post is dropped and LA's 20:00 posts."""
    platform = Platform()
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="Asia/Tokyo")
    platform.fault = "fail-before"
    assert await platform.run(engine, at(TODAY, 0, 1))
    await state.subscriptions.set_time(C1, "20:00", "America/Los_Angeles", by="u")
    for hour, minute in ((0, 5), (1, 0), (2, 59)):
        await platform.run(engine, at(TODAY, hour, minute))
    assert platform.posts == [] and len(platform.looked_up) == 1
    await platform.run(engine, at(TODAY, 3, 0))  # 20:00 on the 14th in Los Angeles
    assert [d.local_day for d, _ in platform.posts] == [TODAY - timedelta(days=1)]


@pytest.mark.parametrize("posted", [True, False], ids=["posted", "not-posted"])
async def test_a_replica_killed_mid_send_then_a_zone_change(state: State, posted: bool) -> None:
    """Replica A dies while sending Tokyo's post; its lease runs out; the zone becomes Los Angeles.
    Replica B resolves A's claim first: a post that went out counts, one that did not is sent now
    (LA's 14th is owed), once, with A's idempotency key."""
    platform = Platform()
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="Asia/Tokyo")
    platform.fault = "hang-after" if posted else "hang-before"
    assert not await platform.run(short_lease(state), at(TODAY, 0, 1))
    await state.subscriptions.set_time(C1, "09:00", "America/Los_Angeles", by="u")
    await asyncio.sleep(0.3)  # the dead replica's lease runs out
    b = DailyEngine(state)
    for minute in (5, 10, 30):
        await platform.run(b, at(TODAY, 0, minute))
    assert len(platform.posts) == 1
    assert len({d.idempotency_key for d, _ in platform.posts}) == 1
    status = await state.subscriptions.status(C1, now=at(TODAY, 1))
    assert status is not None and status.posted_today
    assert status.last_post_at == (at(TODAY, 0, 1) if posted else at(TODAY, 0, 5))


async def test_a_dead_replicas_post_is_sent_again_with_its_key_without_lookup(state: State) -> None:
    """Without `find_sent` (Discord), B sends A's post again with A's key and papers, so the
    platform's nonce drops the repeat; a post for LA's day with a new key could not be dropped."""
    platform = Platform()
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="Asia/Tokyo")
    platform.fault = "hang-after"
    assert not await platform.run(short_lease(state), at(TODAY, 0, 1))
    await state.subscriptions.set_time(C1, "09:00", "America/Los_Angeles", by="u")
    await asyncio.sleep(0.3)
    b = DailyEngine(state)
    for minute in (5, 10):
        await platform.run(b, at(TODAY, 0, minute), lookup=False)
    first, again = (d for d, _ in platform.posts)
    assert again.recovered and again.idempotency_key == first.idempotency_key
    assert again.paper_ids == first.paper_ids and len(platform.messages) == 1


# --- a rolling upgrade from claims keyed by local day only ---------------------------------------


async def legacy_claim(state: State, channel: ChannelRef, day: date, owner: str = "old") -> str:
    """Run the CLAIM of the version before zone-keyed claims, as one of its replicas would."""
    keys = [state.keys.legacy_claim(channel, day), state.keys.posted(channel), state.keys.sub(channel)]
    candidates = [p.id for p in papers_of(day)]
    args = [owner, 60000, 48 * 3600, 5, "0", int(at(day, 9).timestamp()), day.isoformat(), "1", *candidates]
    return await state.redis.eval(LEGACY_CLAIM, len(keys), *keys, *args)


async def test_an_old_replicas_live_claim_is_honoured(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.configure(C1, by="u", post_time="09:00")
    assert (await legacy_claim(state, C1, TODAY)).startswith("claimed 1 ")
    report = await engine.run_due(at(TODAY, 9, 1), sink)
    assert report.busy == 1 and sink.sent == []


async def test_an_old_replicas_unresolved_claim_is_resolved_with_its_key(
    state: State, engine: DailyEngine
) -> None:
    """The old replica's send timed out (retry) and it was then replaced: the new engine looks
    for the post by the old idempotency key, finds it, and does not post again."""
    platform = Platform()
    await state.subscriptions.configure(C1, by="u", post_time="09:00")
    await legacy_claim(state, C1, TODAY)
    await state.redis.hset(state.keys.legacy_claim(C1, TODAY), mapping={"s": "retry", "r": "0", "o": ""})
    old_key = idempotency_key(state.keys.prefix, C1, TODAY, None)
    platform.messages[old_key] = "m-old"
    for minute in (1, 2, 30):
        await platform.run(engine, at(TODAY, 9, minute))
    assert platform.posts == [] and [d.idempotency_key for d in platform.looked_up] == [old_key]
    status = await state.subscriptions.status(C1, now=at(TODAY, 10))
    assert status is not None and status.posted_today and status.last_message_id == "m-old"


async def test_old_replicas_take_a_day_claimed_by_the_new_version_as_done(
    state: State, engine: DailyEngine, sink: Sink
) -> None:
    await state.subscriptions.configure(C1, by="u", post_time="09:00")
    await engine.run_due(at(TODAY, 9, 1), sink)
    assert len(sink.sent) == 1
    assert await legacy_claim(state, C1, TODAY) == "done moved"
    await state.redis.delete(state.keys.legacy_claim(C1, TODAY))  # as when DAILY_LEGACY_CLAIMS is off
    assert (await legacy_claim(state, C1, TODAY)).startswith("claimed")


# --- when the daily post starts --------------------------------------------------------------------


@pytest.fixture
def clock() -> list[datetime]:
    """The store's clock (when subscriptions start or resume), set by the test."""
    return [at(TODAY, 0)]


@pytest.fixture
def timed(state: State, clock: list[datetime]) -> State:
    return replace(
        state, subscriptions=SubscriptionStore(state.redis, state.keys, clock=lambda: clock[0].timestamp())
    )


async def test_subscribing_after_the_post_time_starts_the_next_day(
    timed: State, clock: list[datetime]
) -> None:
    """Subscribed at 23:30 UTC with the default 09:00: the first post is the next 09:00, and
    every post after it at 09:00 (not 23:30, then 19:30, 15:30, 11:30)."""
    clock[0] = at(TODAY, 23, 30)
    await timed.subscriptions.subscribe(C1, by="u")
    status = await timed.subscriptions.status(C1, now=clock[0])
    assert status is not None and status.next_post_at == at(TODAY + timedelta(days=1), 9)
    sink = Sink()
    times = await run(DailyEngine(timed), sink, at(TODAY, 23, 30), at(TODAY + timedelta(days=4), 0), every=30)
    assert times == [at(TODAY + timedelta(days=d), 9) for d in (1, 2, 3)]


async def test_resuming_after_the_post_time_starts_the_next_day(timed: State, clock: list[datetime]) -> None:
    engine, sink = DailyEngine(timed), Sink()
    await timed.subscriptions.subscribe(C1, by="u")
    await timed.subscriptions.pause(C1, by="u")
    clock[0] = at(TODAY, 12)
    await timed.subscriptions.resume(C1, by="u")
    assert await run(engine, sink, at(TODAY, 12), at(TODAY + timedelta(days=1), 10)) == [
        at(TODAY + timedelta(days=1), 9)
    ]
    await timed.subscriptions.pause(C1, by="u")  # paused and resumed before the post time: owed
    clock[0] = at(TODAY + timedelta(days=2), 8)
    await timed.subscriptions.resume(C1, by="u")
    assert await run(engine, sink, clock[0], at(TODAY + timedelta(days=2), 10)) == [
        at(TODAY + timedelta(days=2), 9)
    ]


async def test_a_time_change_still_catches_up_an_owed_day(timed: State, clock: list[datetime]) -> None:
    """A change is not a start: subscribed at 08:00, the 09:00 post is owed; moved to 07:00 at
    08:30 (before it was made), it is made at once."""
    engine, sink = DailyEngine(timed), Sink()
    clock[0] = at(TODAY, 8)
    await timed.subscriptions.subscribe(C1, by="u")
    clock[0] = at(TODAY, 8, 30)
    await timed.subscriptions.set_time(C1, "07:00", by="u")
    assert await run(engine, sink, at(TODAY, 8, 30), at(TODAY, 12)) == [at(TODAY, 8, 30)]


# --- a stored zone this machine does not know ---------------------------------------------------


async def test_an_unknown_stored_zone_skips_only_its_channel(
    state: State, engine: DailyEngine, sink: Sink
) -> None:
    bad, good = ChannelRef("slack", "T1", "BAD"), ChannelRef("slack", "T1", "GOOD")
    for ch in (bad, good):
        await state.subscriptions.configure(ch, by="u", post_time="09:00")
    await state.redis.hset(state.keys.sub(bad), "cfg", '{"at":"09:00","tz":"US/Pacific-New","n":5}')
    report = await engine.run_due(at(TODAY, 9, 1), sink)
    assert [d.channel for d in sink.sent] == [good] and report.zone_unavailable == 1
    status = await state.subscriptions.status(bad, now=at(TODAY, 9, 1))
    assert status is not None and status.next_post_at is None
    score = await state.redis.zscore(state.keys.due("slack"), bad.member)
    assert score == at(TODAY, 10, 1).timestamp()  # looked at again in an hour, not every pass
    await state.subscriptions.set_time(bad, "09:00", "America/Los_Angeles", by="u")
    await engine.run_due(at(TODAY, 16, 1), sink)
    assert [d.channel for d in sink.sent] == [good, bad]


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
    # no engine passes for that many minutes (less than 20 hours: after 20 hours down, a post
    # `find_sent` finds is recorded by one pass and an owed post made by the next, a tick late)
    st.tuples(st.just("down"), st.integers(30, 18 * 60)),
    # the next send times out (or its replica is killed), after or before the platform posted it
    st.tuples(st.just("fault"), st.sampled_from(("fail-after", "fail-before", "hang-after", "hang-before"))),
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


def started_after(schedule: Schedule, since: datetime | None, day: date) -> bool:
    """The daily post started (subscribed or resumed at `since`) on local `day` after its post time."""
    if since is None:
        return False
    zone = ZoneInfo(schedule.timezone)
    return (
        since.astimezone(zone).date() == day
        and datetime.combine(day, schedule.post_time, tzinfo=zone) < since
    )


@dataclass
class Model:
    """What the channel is set to, when its daily post started, and the posts it got (UTC instants,
    with the zone then set), including those whose send failed after the platform posted them."""

    schedule: Schedule | None
    since: datetime | None = None
    paused: bool = False
    posts: list[tuple[datetime, str]] = field(default_factory=list)

    def owed(self, now: datetime) -> bool:
        """The rule, stated directly: a post is owed at `now` on a post day of the zone now set
        that had no post yet, once its post time has passed and 20 hours since the last post,
        unless the daily post started that day after its post time."""
        if self.schedule is None or self.paused:
            return False
        zone = ZoneInfo(self.schedule.timezone)
        today = now.astimezone(zone).date()
        if self.schedule.weekdays_only and today.weekday() >= 5:
            return False
        if any(p.astimezone(zone).date() >= today for p, _ in self.posts):
            return False
        if started_after(self.schedule, self.since, today):
            return False
        post_time = datetime.combine(today, self.schedule.post_time, tzinfo=zone)
        return now >= max([post_time, *(p + MIN_GAP for p, _ in self.posts)])

    def changed(self, found: Schedule | None, paused: bool, now: datetime) -> None:
        """After a change at `now`: a new subscription or a resume starts the daily post; a change
        of settings keeps a day that was owed owed."""
        if found is not None and (self.schedule is None or (self.paused and not paused)):
            self.since = now
        elif (
            found is not None
            and self.schedule is not None
            and found != self.schedule
            and not started_after(
                self.schedule, self.since, now.astimezone(ZoneInfo(self.schedule.timezone)).date()
            )
        ):
            self.since = None
        self.schedule, self.paused = found, paused


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


async def play(
    state: State, channel: ChannelRef, model: Model, scenario: dict, clock: list[datetime]
) -> None:
    """Engine passes every few minutes (but none while "down") and the changes in between, for
    SPAN_DAYS: at every pass the engine posts exactly when the rule owes a post, except that a
    send that fails (or hangs) before reaching the platform makes none that pass."""
    engine, platform, store = DailyEngine(state), Platform(), state.subscriptions
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
    fault: str | None = None
    for now, _, action in sorted(events, key=lambda e: e[:2]):
        clock[0] = now
        if action[0] == "down":
            down_until = max(down_until, now + timedelta(minutes=action[1]))
        elif action[0] == "fault":
            fault = action[1]
        elif action[0] != "pass":
            await apply(state, channel, action)
            found = await store.get(channel)
            model.changed(found.schedule if found else None, bool(found and found.paused), now)
        elif now >= down_until:
            owed = model.owed(now)
            before = len(platform.posts)
            strike = platform.fault = fault if owed else None  # a fault strikes the next send
            lived = await platform.run(
                short_lease(state) if strike and strike.startswith("hang") else engine, now
            )
            if strike and platform.fault is None:
                fault = None
            made = [d for d, _ in platform.posts[before:] if d.channel == channel]
            lost = strike is not None and strike.endswith("before")  # failed before the platform posted
            assert len(made) == (1 if owed and not lost else 0), (now, model, made)
            struck = strike is not None
            if made:
                assert model.schedule is not None
                today = now.astimezone(ZoneInfo(model.schedule.timezone)).date()
                assert made[0].local_day == today or made[0].attempt > 1 or made[0].recovered, made[0]
                model.posts.append((now, model.schedule.timezone))
                if not struck:
                    status = await store.status(channel, now=now)
                    assert status is not None and status.last_post_at is not None
                    assert now <= status.last_post_at <= now + timedelta(seconds=5)
            if not lived:
                await asyncio.sleep(0.25)  # the killed replica's lease runs out
                engine = DailyEngine(state)


# Found by this test: a lookup superseded New York's claim (the zone was Kiritimati for 14
# minutes), then the zone came back to New York, whose day was owed: it is claimed again.
SUPERSEDED_THEN_BACK = {
    "start": datetime(2025, 10, 13, tzinfo=UTC), "offset": 253, "every": 30, "time": time(23, 0),
    "zone": "America/St_Johns", "weekdays": False,
    "changes": [(22, ("zone", "UTC")), (126, ("zone", "America/New_York")), (270, ("time", time(3, 15))),
                (50, ("fault", "hang-before")), (1200, ("zone", "Pacific/Kiritimati")),
                (14, ("zone", "America/New_York"))],
}  # fmt: skip


@pytest.fixture(autouse=True)
def serve_scenario_days(fake_hf: FakeHF) -> None:
    """Ten papers on every day the scenarios can reach (a post always has something to post)."""
    days = {s.date() + timedelta(days=d) for s in STARTS for d in range(-5, SPAN_DAYS + 12)}
    serve(fake_hf, {day: papers_of(day) for day in days})


@settings(
    max_examples=int(os.environ.get("SCHEDULE_EXAMPLES") or 60),  # more for a deeper search
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios)
@example(scenario=SUPERSEDED_THEN_BACK)
async def test_no_sequence_of_changes_posts_twice_or_skips_a_day(state: State, scenario: dict) -> None:
    channel = ChannelRef("slack", "T1", f"P{next(_channels)}")  # a new channel per example
    clock = [scenario["start"] + timedelta(minutes=scenario["offset"])]  # the store's clock: the scenario's
    state = replace(
        state,
        subscriptions=SubscriptionStore(state.redis, state.keys, clock=lambda: clock[0].timestamp()),
        settings=state.settings.model_copy(update={"daily_max_attempts": 100}),  # faults never give up a day
    )
    sub = await state.subscriptions.configure(
        channel, by="u", top=1, post_time=scenario["time"], timezone=scenario["zone"],
        weekdays_only=scenario["weekdays"],
    )  # fmt: skip
    model = Model(sub.schedule, since=sub.active_since)
    try:
        await play(state, channel, model, scenario, clock)
    finally:  # the examples share the State: leave nothing for the next one's passes
        await state.subscriptions.unsubscribe(channel, by="u")

    # The three properties of the issue, stated on the posts alone:
    instants = [p for p, _ in model.posts]
    assert all(b - a >= MIN_GAP for a, b in itertools.pairwise(instants))  # never two within 20 h
    for i, (later, zone) in enumerate(model.posts):  # no local day gets two posts
        day = later.astimezone(ZoneInfo(zone)).date()
        assert all(p.astimezone(ZoneInfo(zone)).date() < day for p, _ in model.posts[:i])
    # ... and no owed post was left out: checked at every pass in `play` (owed -> a post)
