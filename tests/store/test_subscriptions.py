"""Subscriptions on a real Redis: the one API both adapters use."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

import pytest
from redis.asyncio import Redis

from bot.store import ChannelRef, NotSubscribed, State, Subscription, SubscriptionError
from bot.store.keys import hash_slot_tag

C1 = ChannelRef("slack", "T1", "C1")
C2 = ChannelRef("slack", "T1", "C2")
D1 = ChannelRef("discord", "123", "456")


async def stored(state: State, channel: ChannelRef = C1) -> Subscription:
    found = await state.subscriptions.get(channel)
    assert found is not None, channel
    return found


async def due_entries(state: State, platform: str = "slack") -> dict[str, float]:
    return dict(await state.redis.zrange(state.keys.due(platform), 0, -1, withscores=True))


async def test_subscribe_creates_with_defaults(state: State) -> None:
    sub = await state.subscriptions.subscribe(C1, by="slack:U1")
    assert sub.topics == ()
    assert sub.post_time == time(9, 0) and sub.timezone == "UTC"
    assert sub.top == 5 and not sub.weekdays_only and not sub.paused
    assert sub.changed_by == "slack:U1" and sub.created_at is not None
    assert await state.subscriptions.get(C1) == sub
    assert await due_entries(state) == {"T1:C1": 0.0}  # the engine works out the time on its next pass
    assert await state.redis.smembers(state.keys.platforms()) == {"slack"}


async def test_topics_add_remove(state: State) -> None:
    await state.subscriptions.subscribe(C1, by="u1", topic="diffusion")
    await state.subscriptions.subscribe(C1, by="u2", topic="video generation")
    sub = await state.subscriptions.subscribe(C1, by="u2", topic="Diffusion")  # already followed
    assert sub.topics == ("diffusion", "video generation")
    sub = await state.subscriptions.remove_topic(C1, "DIFFUSION", by="u3")
    assert sub.topics == ("video generation",) and sub.changed_by == "u3"
    with pytest.raises(SubscriptionError, match="does not follow"):
        await state.subscriptions.remove_topic(C1, "robots", by="u3")


async def test_topic_limit(state: State) -> None:
    await state.subscriptions.configure(C1, by="u", topics=[f"topic{i}" for i in range(25)])
    with pytest.raises(SubscriptionError, match="at most 25"):
        await state.subscriptions.subscribe(C1, by="u", topic="one more")
    assert len((await stored(state)).topics) == 25


async def test_settings_change_and_validate(state: State) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    sub = await state.subscriptions.set_time(C1, "7:30", "europe/berlin", by="u")
    assert (sub.post_time, sub.timezone) == (time(7, 30), "Europe/Berlin")
    sub = await state.subscriptions.set_top(C1, 12, by="u")
    assert sub.top == 12
    sub = await state.subscriptions.configure(C1, by="u", weekdays_only=True, nothing_new_note=True)
    assert sub.weekdays_only and sub.nothing_new_note and sub.top == 12
    with pytest.raises(SubscriptionError):
        await state.subscriptions.set_top(C1, 30, by="u")
    with pytest.raises(SubscriptionError):
        await state.subscriptions.set_time(C1, "25:00", by="u")
    assert (await stored(state)).top == 12  # a refused change changes nothing


async def test_changes_need_a_subscription(state: State) -> None:
    with pytest.raises(NotSubscribed):
        await state.subscriptions.set_top(C1, 3, by="u")
    with pytest.raises(NotSubscribed):
        await state.subscriptions.pause(C1, by="u")
    assert await state.subscriptions.get(C1) is None


async def test_pause_resume_moves_the_due_entry(state: State) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    sub = await state.subscriptions.pause(C1, by="slack:U9", reason="holidays")
    assert sub.paused and sub.paused_reason == "holidays" and sub.paused_at is not None
    assert await due_entries(state) == {}
    sub = await state.subscriptions.resume(C1, by="slack:U9")
    assert not sub.paused and sub.paused_reason is None
    assert await due_entries(state) == {"T1:C1": 0.0}
    assert not (await stored(state)).paused


async def test_unsubscribe_keeps_the_posted_record(state: State) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    await state.redis.zadd(state.keys.posted(C1), {"2510.00001": 1.0})
    assert await state.subscriptions.unsubscribe(C1, by="u") is True
    assert await state.subscriptions.get(C1) is None
    assert await due_entries(state) == {}
    assert await state.subscriptions.list_team("slack", "T1") == []
    assert await state.subscriptions.posted(C1) == {"2510.00001": datetime.fromtimestamp(1.0, UTC)}
    assert await state.subscriptions.unsubscribe(C1, by="u") is False


async def test_list_team(state: State) -> None:
    await state.subscriptions.subscribe(C2, by="u")
    await state.subscriptions.subscribe(C1, by="u", topic="agents")
    await state.subscriptions.subscribe(D1, by="u")
    subs = await state.subscriptions.list_team("slack", "T1")
    assert [s.channel for s in subs] == [C1, C2]
    assert subs[0].topics == ("agents",)


async def test_concurrent_changes_are_not_lost(state: State, redis_url: str) -> None:
    """Twenty admins adding topics at once from separate connections: every topic lands."""
    await state.subscriptions.subscribe(C1, by="u")
    await asyncio.gather(
        *(state.subscriptions.subscribe(C1, by=f"u{i}", topic=f"topic {i}") for i in range(20))
    )
    sub = await stored(state)
    assert sorted(sub.topics) == sorted(f"topic {i}" for i in range(20))
    assert sub.version == 21


async def test_concurrent_pause_and_resume_leave_index_consistent(state: State) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    for _ in range(10):
        await asyncio.gather(
            state.subscriptions.pause(C1, by="a"),
            state.subscriptions.resume(C1, by="b"),
            state.subscriptions.pause(C1, by="c"),
        )
        sub = await stored(state)
        assert ("T1:C1" in await due_entries(state)) == (not sub.paused)


async def test_all_channel_keys_in_one_slot(state: State, redis_client: Redis) -> None:
    weird = ChannelRef("slack", "T:{1}", "C 2%")
    await state.subscriptions.subscribe(weird, by="u")
    keys = [k async for k in redis_client.scan_iter(f"{state.keys.prefix}:*{{*")]
    assert keys and {hash_slot_tag(k) for k in keys} == {weird.tag}
    assert await state.subscriptions.list_team("slack", "T:{1}") == [await state.subscriptions.get(weird)]


async def test_status_of_a_fresh_subscription(state: State) -> None:
    await state.subscriptions.configure(C1, by="slack:U1", post_time="10:00", timezone="Europe/Paris")
    status = await state.subscriptions.status(C1, now=datetime(2025, 10, 15, 6, 0, tzinfo=UTC))
    assert status is not None
    assert status.next_post_at == datetime(2025, 10, 15, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert status.last_post_at is None and status.last_error is None and not status.posted_today
    assert status.subscription.changed_by == "slack:U1"
    await state.subscriptions.pause(C1, by="u", reason="off")
    paused = await state.subscriptions.status(C1, now=datetime(2025, 10, 15, 6, 0, tzinfo=UTC))
    assert paused is not None and paused.next_post_at is None and paused.subscription.paused_reason == "off"
    assert await state.subscriptions.status(C2) is None
