"""The daily engine on a real Redis: when it posts, what it posts, and how it handles failures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.daily import ChannelGone, DailyEngine, Delivery, DeliveryFailed, idempotency_key
from bot.store import ChannelRef, State
from tests.daily.conftest import TODAY, at, papers_of, serve
from tests.factories import api_items, make_paper
from tests.fakes.hf import FakeHF
from tests.fakes.platform import Sink

C1 = ChannelRef("slack", "T1", "C1")
C2 = ChannelRef("slack", "T1", "C2")


async def due_score(state: State, ch: ChannelRef) -> float | None:
    return await state.redis.zscore(state.keys.due(ch.platform), ch.member)


async def test_posts_once_after_the_post_time(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.configure(C1, by="u", post_time="09:00", timezone="Europe/Paris")
    report = await engine.run_due(at(TODAY, 6, 59), sink)  # 08:59 in Paris
    assert sink.sent == [] and report.not_due == 1
    assert await due_score(state, C1) == at(TODAY, 7).timestamp()
    assert (
        await engine.run_due(
            at(
                TODAY,
                6,
                59,
            ),
            sink,
        )
    ).due == 0  # not due again before 09:00

    report = await engine.run_due(at(TODAY, 7, 0), sink)
    assert report.posted == 1 and len(sink.sent) == 1
    delivery = sink.sent[0]
    assert delivery.channel == C1 and delivery.local_day == TODAY and delivery.attempt == 1
    assert [e.paper.id for e in delivery.digest.entries] == [p.id for p in papers_of(TODAY)[:5]]
    assert delivery.digest.day == TODAY and delivery.digest.more > 0
    assert await due_score(state, C1) == at(TODAY + timedelta(days=1), 7).timestamp()

    for minute in (5, 30):
        assert (await engine.run_due(at(TODAY, 7, minute), sink)).due == 0
    await state.redis.zadd(state.keys.due("slack"), {C1.member: 0})  # even if asked to look again
    report = await engine.run_due(at(TODAY, 8), sink)
    assert report.already_done == 1 and len(sink.sent) == 1


async def test_never_the_same_paper_twice(
    state: State, fake_hf: FakeHF, engine: DailyEngine, sink: Sink
) -> None:
    await state.subscriptions.configure(C1, by="u", top=4)
    seen: list[str] = []
    for offset in range(3):
        day = TODAY + timedelta(days=offset)
        # HF lists a paper it listed before again, even with more upvotes: still not repeated
        serve(fake_hf, {day: [make_paper(papers_of(TODAY)[0].id, day=day, upvotes=999), *papers_of(day, 3)]})
        await engine.run_due(at(day, 9, 30), sink)
        ids = [e.paper.id for e in sink.sent[-1].digest.entries]
        assert len(ids) == 4 and not set(ids) & set(seen)
        seen += ids
    assert set(await state.subscriptions.posted(C1)) == set(seen)


async def test_topics_filter_and_rank(state: State, fake_hf: FakeHF, engine: DailyEngine, sink: Sink) -> None:
    titles = {3: "Video diffusion at scale", 7: "Diffusion for proteins"}
    serve(fake_hf, {TODAY: papers_of(TODAY, 10, titles=titles)})
    await state.subscriptions.subscribe(C1, by="u", topic="diffusion")
    await engine.run_due(at(TODAY, 10), sink)
    [delivery] = sink.sent
    assert {e.paper.title for e in delivery.digest.entries} == {
        "Video diffusion at scale",
        "Diffusion for proteins",
    }
    assert delivery.digest.topics == ("diffusion",) and delivery.digest.total == 2
    assert all(e.matched_topics == ("diffusion",) for e in delivery.digest.entries)


async def test_slack_topics_stored_in_slacks_encoding_by_old_versions_match_as_typed(
    state: State, fake_hf: FakeHF, engine: DailyEngine, sink: Sink
) -> None:
    """Before issue 10 papers-bot stored `R&D` typed in Slack as `R&amp;D`; the daily post must look for `R&D` (before or
    without the one-time rewrite), and a Discord topic typed as `R&amp;D` stays literal."""
    titles = {2: "R&D agents at scale", 5: "Notes on R&amp;D escaping"}
    serve(fake_hf, {TODAY: papers_of(TODAY, 10, titles=titles)})
    legacy = '{"at":"09:00","tz":"UTC","n":5,"t":["\\"R&amp;D\\""]}'
    discord = ChannelRef("discord", "1", "2")
    for ref in (C1, discord):
        await state.subscriptions.subscribe(ref, by="u")
        await state.redis.hset(state.keys.sub(ref), "cfg", legacy)
    await engine.run_due(at(TODAY, 10), sink)
    posts = sink.by_channel()
    [slack_post] = posts[C1.tag]
    assert slack_post.digest.topics == ('"R&D"',)
    assert [e.paper.title for e in slack_post.digest.entries] == ["R&D agents at scale"]
    [discord_post] = posts[discord.tag]
    assert [e.paper.title for e in discord_post.digest.entries] == ["Notes on R&amp;D escaping"]


async def test_nothing_new_posts_nothing(
    state: State, fake_hf: FakeHF, engine: DailyEngine, sink: Sink
) -> None:
    fake_hf.days = {TODAY.isoformat(): api_items(papers_of(TODAY, 2))}
    await state.subscriptions.configure(C1, by="u", top=5)
    await engine.run_due(at(TODAY, 10), sink)
    assert len(sink.sent[0].digest.entries) == 2
    next_day = TODAY + timedelta(days=1)
    report = await engine.run_due(at(next_day, 10), sink)
    assert report.nothing_new == 1 and len(sink.sent) == 1
    status = await state.subscriptions.status(C1, now=at(next_day, 11))
    assert status is not None and status.last_result == "nothing_new" and status.posted_today
    assert status.last_post_count == 2  # the last real post is still shown
    assert status.next_post_at == at(next_day + timedelta(days=1), 9)


async def test_nothing_new_line_when_asked(
    state: State, fake_hf: FakeHF, engine: DailyEngine, sink: Sink
) -> None:
    fake_hf.days = {}
    await state.subscriptions.configure(C1, by="u", nothing_new_note=True)
    await engine.run_due(at(TODAY, 10), sink)
    await engine.run_due(at(TODAY, 11), sink)
    [delivery] = sink.sent
    assert delivery.nothing_new and delivery.digest.entries == () and delivery.digest.total == 0
    status = await state.subscriptions.status(C1, now=at(TODAY, 12))
    assert status is not None and status.last_result == "nothing_new" and status.last_post_count == 0


async def test_a_bot_that_was_down_posts_once_when_back(
    state: State, engine: DailyEngine, sink: Sink
) -> None:
    await state.subscriptions.configure(C1, by="u", post_time="08:00")
    await engine.run_due(at(TODAY, 8, 1), sink)
    # down from 08:02 until the day after tomorrow at 15:00: that day's post comes once, late;
    # the missed day is not posted after its end.
    later = TODAY + timedelta(days=2)
    await engine.run_due(at(later, 15), sink)
    await engine.run_due(at(later, 15, 1), sink)
    assert [d.local_day for d in sink.sent] == [TODAY, later]


async def test_weekdays_only(state: State, fake_hf: FakeHF, engine: DailyEngine, sink: Sink) -> None:
    friday, saturday, monday = TODAY + timedelta(days=2), TODAY + timedelta(days=3), TODAY + timedelta(days=5)
    serve(fake_hf, {day: papers_of(day, 3) for day in (friday, saturday, TODAY + timedelta(days=4), monday)})
    await state.subscriptions.configure(C1, by="u", weekdays_only=True, top=20)
    await engine.run_due(at(friday, 9), sink)
    serve(fake_hf, {friday: papers_of(friday, 6)})  # three more papers listed on Friday after the post
    await state.redis.delete(state.keys.hf_day(friday))  # (the cached copy has expired by Monday)
    assert await due_score(state, C1) == at(monday, 9).timestamp()  # after Friday: Monday
    assert (await engine.run_due(at(saturday, 9), sink)).due == 0
    await state.redis.zadd(state.keys.due("slack"), {C1.member: 0})  # asked to look on Saturday anyway
    report = await engine.run_due(at(saturday, 9), sink)
    assert report.not_due == 1 and len(sink.sent) == 1
    assert await due_score(state, C1) == at(monday, 9).timestamp()
    await engine.run_due(at(monday, 9), sink)
    monday_ids = {e.paper.id for e in sink.sent[1].digest.entries}
    late_friday = {p.id for p in papers_of(friday, 6)[3:]}
    assert late_friday <= monday_ids  # the weekend and Friday's late papers are covered
    assert len(monday_ids) == 3 + 3 + 3 + 3


async def test_transient_failure_is_retried_with_backoff(
    state: State, engine: DailyEngine, sink: Sink
) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    sink.fail(DeliveryFailed("HTTP 503"), times=2)
    now = at(TODAY, 10)
    report = await engine.run_due(now, sink)
    assert report.retrying == 1 and sink.sent == []
    retry_at = await due_score(state, C1)
    assert retry_at is not None and now.timestamp() + 30 <= retry_at <= now.timestamp() + 61
    status = await state.subscriptions.status(C1, now=now)
    assert status is not None and status.last_error == "HTTP 503" and status.last_result == "retrying"
    assert not status.posted_today and status.next_post_at == datetime.fromtimestamp(retry_at, UTC)

    assert (await engine.run_due(now + timedelta(seconds=10), sink)).due == 0  # not before its time
    await state.redis.zadd(state.keys.due("slack"), {C1.member: 0})
    assert (await engine.run_due(now + timedelta(seconds=10), sink)).waiting == 1

    later = datetime.fromtimestamp(retry_at, UTC)
    report = await engine.run_due(later, sink)
    assert report.retrying == 1  # second failure: the delay doubles
    second = await due_score(state, C1)
    assert second is not None and later.timestamp() + 60 <= second <= later.timestamp() + 121

    report = await engine.run_due(datetime.fromtimestamp(second, UTC), sink)
    assert report.posted == 1 and sink.sent[0].attempt == 3
    status = await state.subscriptions.status(C1, now=later)
    assert status is not None and status.last_error is None and status.last_result == "posted"


async def test_a_retry_looks_before_sending_again(state: State, engine: DailyEngine) -> None:
    """The platform took the post but its answer was lost (a timeout): the retry finds it, no repeat."""
    await state.subscriptions.subscribe(C1, by="u")
    posted: dict[str, str] = {}  # idempotency key -> message id, as the platform holds them

    async def send(delivery: Delivery) -> str:
        posted[delivery.idempotency_key] = f"msg-{len(posted) + 1}"
        if len(posted) == 1:
            raise DeliveryFailed("timed out waiting for the answer")
        return posted[delivery.idempotency_key]

    async def find_sent(delivery: Delivery) -> str | None:
        return posted.get(delivery.idempotency_key)

    now = at(TODAY, 10)
    assert (await engine.run_due(now, send, find_sent=find_sent)).retrying == 1
    retry_at = datetime.fromtimestamp(await due_score(state, C1), UTC)
    report = await engine.run_due(retry_at, send, find_sent=find_sent)
    assert (report.confirmed, report.posted, len(posted)) == (1, 0, 1)
    status = await state.subscriptions.status(C1, now=retry_at)
    assert status is not None and status.posted_today and status.last_message_id == "msg-1"


async def test_retry_after_is_honoured(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    sink.fail(DeliveryFailed("rate limited", retry_after=7), times=1)
    await engine.run_due(at(TODAY, 10), sink)
    assert await due_score(state, C1) == pytest.approx(at(TODAY, 10).timestamp() + 7, abs=1)


async def test_unexpected_errors_are_retried_too(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    sink.fail(RuntimeError("boom"), times=1)
    report = await engine.run_due(at(TODAY, 10), sink)
    assert report.retrying == 1
    status = await state.subscriptions.status(C1, now=at(TODAY, 10))
    assert status is not None and status.last_error == "RuntimeError: boom"


async def test_gives_up_for_the_day_after_max_attempts(state: State, engine: DailyEngine, sink: Sink) -> None:
    engine.max_attempts = 2
    await state.subscriptions.subscribe(C1, by="u")
    sink.fail(DeliveryFailed("HTTP 500"))
    now = at(TODAY, 10)
    for _ in range(2):
        await engine.run_due(now, sink)
        now = datetime.fromtimestamp(await due_score(state, C1) or 0, UTC)
    status = await state.subscriptions.status(C1, now=now)
    assert status is not None and status.last_result == "failed" and status.last_error == "HTTP 500"
    assert now == at(TODAY + timedelta(days=1), 9)  # next look: tomorrow's post
    sink.fail_with = None
    await engine.run_due(now, sink)
    assert [d.local_day for d in sink.sent] == [TODAY + timedelta(days=1)]


async def test_channel_gone_pauses_with_the_reason(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    await state.subscriptions.subscribe(C2, by="u")
    sink.fail(ChannelGone("channel_not_found"), times=1)
    report = await engine.run_due(at(TODAY, 10), sink)
    assert report.paused == 1 and report.posted == 1
    gone = next(c for c in (C1, C2) if c not in {d.channel for d in sink.sent})
    status = await state.subscriptions.status(gone, now=at(TODAY, 10))
    assert status is not None and status.subscription.paused
    assert status.subscription.paused_reason == "channel_not_found" and status.next_post_at is None
    assert status.subscription.changed_by == "papers-bot"
    assert await due_score(state, gone) is None
    await engine.run_due(at(TODAY + timedelta(days=1), 10), sink)
    assert gone not in {d.channel for d in sink.sent}
    await state.subscriptions.resume(gone, by="slack:U1")  # back in the due index
    await engine.run_due(at(TODAY + timedelta(days=1), 10, 1), sink)
    assert gone in {d.channel for d in sink.sent}


async def test_source_unavailable_waits_and_posts_later(state: State, fake_hf: FakeHF, sink: Sink) -> None:
    fake_hf.down = 502
    await state.subscriptions.subscribe(C1, by="u")
    engine = DailyEngine(state)
    report = await engine.run_due(at(TODAY, 10), sink)
    assert report.source_unavailable and sink.sent == []
    fake_hf.down = None
    await state.redis.delete(*[state.keys.hf_error(TODAY - timedelta(days=i)) for i in range(4)])
    assert (await engine.run_due(at(TODAY, 10, 1), sink)).posted == 1


async def test_settings_changed_while_posting(state: State, engine: DailyEngine) -> None:
    """An admin changes the time while the post is out: the due entry follows the new setting."""
    await state.subscriptions.subscribe(C1, by="u")

    async def send(delivery: Delivery) -> str:
        await state.subscriptions.set_time(C1, "18:00", by="admin")
        return "m1"

    await engine.run_due(at(TODAY, 10), send)
    assert await due_score(state, C1) == 0  # re-evaluated on the next pass, not left at tomorrow 09:00
    sink = Sink()
    # today's post is out already: the next look is tomorrow at the new time
    assert (await engine.run_due(at(TODAY, 10, 1), sink)).already_done == 1
    assert await due_score(state, C1) == at(TODAY + timedelta(days=1), 18).timestamp()
    assert (await engine.run_due(at(TODAY, 18), sink)).due == 0 and sink.sent == []


async def test_unsubscribed_channels_leave_the_index(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    await state.redis.delete(state.keys.sub(C1))  # vanished behind the store's back
    report = await engine.run_due(at(TODAY, 10), sink)
    assert report.skipped == 1 and await due_score(state, C1) is None and sink.sent == []


async def test_status_after_a_post(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.configure(C1, by="slack:U1", post_time="09:30", timezone="Asia/Tokyo", top=3)
    now = at(TODAY, 1)  # 10:00 in Tokyo
    await engine.run_due(now, sink)
    status = await state.subscriptions.status(C1, now=now + timedelta(minutes=1))
    assert status is not None
    assert status.posted_today and status.last_post_count == 3 and status.last_message_id == "msg-1"
    assert status.last_post_day == TODAY and status.last_post_at == pytest.approx(
        now, abs=timedelta(seconds=5)
    )
    assert status.next_post_at == datetime(2025, 10, 16, 0, 30, tzinfo=UTC)
    assert status.remembered_papers == 3 and status.last_error is None


async def test_posted_record_is_trimmed(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    old = at(TODAY, 0) - timedelta(days=61)
    await state.redis.zadd(
        state.keys.posted(C1), {"2408.00001": old.timestamp(), "2409.00001": old.timestamp() + 86400 * 10}
    )
    await engine.run_due(at(TODAY, 10), sink)
    posted = await state.subscriptions.posted(C1)
    assert "2408.00001" not in posted and "2409.00001" in posted and len(posted) == 6
    ttl = await state.redis.ttl(state.keys.posted(C1))
    assert 59 * 86400 < ttl <= 60 * 86400


async def test_many_engines_in_one_process_post_once(state: State) -> None:
    channels = [ChannelRef("discord", "G1", str(i)) for i in range(200)]
    for ch in channels:
        await state.subscriptions.subscribe(ch, by="u")
    sink = Sink()
    engines = [DailyEngine(state) for _ in range(5)]
    reports = await asyncio.gather(*(e.run_due(at(TODAY, 10), sink) for e in engines))
    assert sum(r.posted for r in reports) == 200
    assert sorted(len(v) for v in sink.by_channel().values()) == [1] * 200


async def test_idempotency_key_is_stable_and_short(state: State, engine: DailyEngine, sink: Sink) -> None:
    key = idempotency_key(state.keys.prefix, C1, TODAY, "UTC")
    assert key == idempotency_key(state.keys.prefix, C1, TODAY, "UTC") and len(key) <= 25
    assert key != idempotency_key(state.keys.prefix, C1, TODAY + timedelta(days=1), "UTC")
    assert key != idempotency_key(state.keys.prefix, C2, TODAY, "UTC")
    assert key != idempotency_key(state.keys.prefix, C1, TODAY, "Asia/Tokyo")
    await state.subscriptions.subscribe(C1, by="u")
    await engine.run_due(at(TODAY, 10), sink)
    assert sink.sent[0].idempotency_key == key


async def test_naive_now_is_refused(engine: DailyEngine, sink: Sink) -> None:
    with pytest.raises(ValueError, match="aware"):
        await engine.run_due(datetime(2025, 10, 15, 10), sink)


async def test_sources_are_read_once_per_pass(state: State, fake_hf: FakeHF, sink: Sink) -> None:
    for i in range(30):
        await state.subscriptions.subscribe(ChannelRef("slack", "T", f"C{i}"), by="u")
    engine = DailyEngine(state)
    await engine.run_due(at(TODAY, 10), sink)
    window = [(TODAY - timedelta(days=i)).isoformat() for i in range(engine.lookback_days)]
    assert sorted(fake_hf.days_asked()) == sorted(window)
    assert len(sink.sent) == 30


async def test_hf_failure_on_some_days_still_posts(
    state: State, fake_hf: FakeHF, engine: DailyEngine, sink: Sink
) -> None:
    fake_hf.failing_days = {TODAY.isoformat()}
    await state.subscriptions.subscribe(C1, by="u")
    await engine.run_due(at(TODAY, 10), sink)
    days = {e.paper.list_day for e in sink.sent[0].digest.entries}
    assert TODAY not in days and TODAY - timedelta(days=1) in days


async def test_accept_limits_a_pass(state: State, engine: DailyEngine, sink: Sink) -> None:
    """A process that owns some channels only (Discord shards) leaves the others alone."""
    await state.subscriptions.subscribe(C1, by="u")
    await state.subscriptions.subscribe(C2, by="u")
    report = await engine.run_due(at(TODAY, 10), sink, accept=lambda ch: ch == C1)
    assert report.posted == 1 and [d.channel for d in sink.sent] == [C1]
    assert await due_score(state, C2) == 0  # untouched, for the process that accepts it
    await engine.run_due(at(TODAY, 10), sink)
    assert [d.channel for d in sink.sent] == [C1, C2]


def test_multi_topic_ranking_matches_a_direct_ranking() -> None:
    """The engine ranks a topic set from the union of its topics' matches: same list as rank()."""
    from bot.daily.pool import Pool, parse_topics
    from bot.ranking import rank

    papers = papers_of(TODAY, 30, titles={1: "Diffusion agents", 4: "Video diffusion", 9: "Agents that plan"})
    papers += papers_of(TODAY - timedelta(days=1), 30, titles={2: "Robot agents", 5: "Speech diffusion"})
    pool = Pool(papers=papers, day=TODAY, now=at(TODAY, 10))
    for topics in (("diffusion", "agents"), ("agents", "video"), ("robot", "speech", "diffusion -video")):
        direct = rank(papers, parse_topics(topics), now=at(TODAY, 10))
        assert pool.ranking(topics) == direct and direct


async def test_deep_in_the_ranking_when_the_top_was_posted(
    state: State, fake_hf: FakeHF, engine: DailyEngine, sink: Sink
) -> None:
    """The first candidates sent to Redis are all posted already: it asks again with all of them."""
    lists = {TODAY - timedelta(days=i): papers_of(TODAY - timedelta(days=i), 20) for i in range(4)}
    fake_hf.days = {}
    serve(fake_hf, lists)
    await state.subscriptions.subscribe(C1, by="u")
    await engine.run_due(at(TODAY, 10), sink)
    ranked = [e.paper.id for e in sink.sent[0].digest.entries]
    first_ids = ranked[:5]
    # pretend every one of the first 40 ranked papers was posted before
    window = [TODAY + timedelta(days=1) - timedelta(days=i) for i in range(engine.lookback_days)]
    everything = [p for day in window for p in lists.get(day, [])]
    from bot.ranking import rank

    order = [r.paper.id for r in rank(everything, (), now=at(TODAY + timedelta(days=1), 10))]
    await state.redis.zadd(state.keys.posted(C1), {pid: at(TODAY, 10).timestamp() for pid in order[:40]})
    await engine.run_due(at(TODAY + timedelta(days=1), 10), sink)
    second = [e.paper.id for e in sink.sent[1].digest.entries]
    assert len(second) == 5 and not set(second) & set(order[:40]) and not set(second) & set(first_ids)
    assert second == [pid for pid in order if pid not in order[:40]][:5]


async def test_survives_a_script_cache_flush(state: State, engine: DailyEngine, sink: Sink) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    await state.redis.script_flush()  # e.g. a Redis restart without persistence of scripts
    assert (await engine.run_due(at(TODAY, 10), sink)).posted == 1
