"""Topics old versions stored in Slack's encoding: read as typed at once, rewritten once.

Until issue 10 papers-bot kept a Slack channel's topics as Slack sent them: `R&D` typed became `R&amp;D` in Redis,
`@ana` became `<@U1|ana>`. Records are written here exactly as it wrote them (its compact cfg
JSON, without the "tv" field) on the suite's real Redis.
"""

from __future__ import annotations

import asyncio
import json

from redis.asyncio import Redis

from bot.store import ChannelRef, State
from bot.store.migrations import SLACK_TOPICS_AS_TYPED, migrate

S1 = ChannelRef("slack", "T1", "C1")
S2 = ChannelRef("slack", "T1", "C2")
S3 = ChannelRef("slack", "T2", "C1")
S4 = ChannelRef("slack", "T2", "C2")
D1 = ChannelRef("discord", "123", "456")


def old_cfg(topics: list[str]) -> str:
    """`Schedule.to_json()` of papers-bot before issue 10 for a channel with these topics."""
    return json.dumps({"at": "09:00", "tz": "UTC", "n": 5, "t": topics}, separators=(",", ":"))


async def write_as_old_versions_did(state: State, channel: ChannelRef, topics: list[str]) -> None:
    """A subscription as old versions left it: its hash, index entries, and topics as Slack sent them."""
    await state.subscriptions.subscribe(channel, by="slack:U1")
    await state.redis.hset(state.keys.sub(channel), "cfg", old_cfg(topics))


async def stored_cfg(state: State, channel: ChannelRef) -> dict:
    return json.loads(await state.redis.hget(state.keys.sub(channel), "cfg"))


async def topics(state: State, channel: ChannelRef) -> tuple[str, ...]:
    sub = await state.subscriptions.get(channel)
    assert sub is not None
    return sub.topics


async def test_old_slack_topics_read_as_typed_before_any_migration(state: State) -> None:
    await write_as_old_versions_did(state, S1, ['"R&amp;D"', "Q&amp;A &lt;fast&gt;", "<@U9|ana> <!here>"])
    assert await topics(state, S1) == ('"R&D"', "Q&A <fast>", "@ana @here")
    [listed] = await state.subscriptions.list_team("slack", "T1")
    assert listed.topics == ('"R&D"', "Q&A <fast>", "@ana @here")
    status = await state.subscriptions.status(S1)
    assert status is not None and status.subscription.topics[0] == '"R&D"'
    # `/papers unsubscribe "R&D"` (decoded at the adapter) finds it
    sub = await state.subscriptions.remove_topic(S1, '"R&D"', by="slack:U1")
    assert sub.topics == ("Q&A <fast>", "@ana @here")


async def test_a_change_writes_an_old_record_as_typed_and_it_is_never_decoded_again(state: State) -> None:
    await write_as_old_versions_did(state, S1, ["R&amp;D"])
    await state.subscriptions.subscribe(S1, by="slack:U1", topic="&amp; typed as text")
    cfg = await stored_cfg(state, S1)
    assert cfg["t"] == ["R&D", "&amp; typed as text"] and cfg["tv"] == 2
    assert await topics(state, S1) == ("R&D", "&amp; typed as text")


async def test_discord_topics_are_never_decoded(state: State) -> None:
    await write_as_old_versions_did(
        state, D1, ["R&amp;D", "<@U9|ana>"]
    )  # typed so in Discord, stored as typed
    assert await topics(state, D1) == ("R&amp;D", "<@U9|ana>")
    assert await migrate(state.redis, state.keys) == 0
    assert (await stored_cfg(state, D1))["t"] == ["R&amp;D", "<@U9|ana>"]


async def test_the_migration_rewrites_each_old_slack_record_once(state: State) -> None:
    await write_as_old_versions_did(
        state, S1, ['"R&amp;D"', "<@U9|ana>", "Q&amp;amp;A"]
    )  # the last typed "Q&amp;A"
    await write_as_old_versions_did(state, S2, [])
    await state.subscriptions.pause(S2, by="slack:U1")  # paused: not in the due index
    await state.redis.hset(state.keys.sub(S2), "cfg", old_cfg(["R&amp;D"]))
    await state.subscriptions.subscribe(S3, by="slack:U1", topic="&amp; as typed")  # written as typed
    await state.subscriptions.subscribe(S4, by="slack:U1")  # no topics
    await write_as_old_versions_did(state, D1, ["R&amp;D"])
    before = {ch: await state.redis.hgetall(state.keys.sub(ch)) for ch in (S1, S2, S3, S4, D1)}
    due_before = await state.redis.zrange(state.keys.due("slack"), 0, -1, withscores=True)

    assert await migrate(state.redis, state.keys) == 2
    assert (await stored_cfg(state, S1))["t"] == ['"R&D"', "@ana", "Q&amp;A"]
    assert (await stored_cfg(state, S2))["t"] == ["R&D"]
    after = {ch: await state.redis.hgetall(state.keys.sub(ch)) for ch in (S1, S2, S3, S4, D1)}
    for ch in (S1, S2):  # the version moves on; who changed the settings, and when, do not
        assert int(after[ch]["v"]) == int(before[ch]["v"]) + 1
        assert {k: v for k, v in after[ch].items() if k not in ("cfg", "v")} == {
            k: v for k, v in before[ch].items() if k not in ("cfg", "v")
        }
    assert after[S2]["paused"] == "1"
    for ch in (S3, S4, D1):
        assert after[ch] == before[ch]
    assert await state.redis.zrange(state.keys.due("slack"), 0, -1, withscores=True) == due_before
    assert await state.redis.hget(state.keys.migrations(), SLACK_TOPICS_AS_TYPED)

    assert await migrate(state.redis, state.keys) == 0  # recorded: never runs twice
    assert await topics(state, S1) == ('"R&D"', "@ana", "Q&amp;A")
    assert await topics(state, S3) == ("&amp; as typed",)


async def test_replicas_migrating_at_once_decode_every_record_exactly_once(
    state: State, redis_url: str
) -> None:
    channels = [ChannelRef("slack", f"T{i % 7}", f"C{i}") for i in range(300)]
    for ch in channels:
        await write_as_old_versions_did(state, ch, ["A&amp;amp;B"])  # once: "A&amp;B"; twice would be "A&B"
    replicas = [Redis.from_url(redis_url, decode_responses=True) for _ in range(4)]
    try:
        counts = await asyncio.gather(*(migrate(r, state.keys) for r in replicas))
    finally:
        for r in replicas:
            await r.aclose()
    assert sum(counts) == len(channels)
    for ch in channels:
        assert (await stored_cfg(state, ch))["t"] == ["A&amp;B"]


async def test_changes_made_while_the_migration_runs_are_kept_and_decoded_once(state: State) -> None:
    channels = [ChannelRef("slack", "T1", f"C{i}") for i in range(30)]
    for ch in channels:
        await write_as_old_versions_did(state, ch, ["R&amp;D"])
    await asyncio.gather(
        migrate(state.redis, state.keys),
        *(state.subscriptions.subscribe(ch, by="slack:U1", topic="Q&amp;A typed") for ch in channels),
    )
    for ch in channels:
        assert (await stored_cfg(state, ch))["t"] == ["R&D", "Q&amp;A typed"]


async def test_what_an_old_replica_writes_after_the_migration_still_reads_as_typed(state: State) -> None:
    """A rolling deploy: the migration has run, an old replica still answers a few commands."""
    await migrate(state.redis, state.keys)
    await write_as_old_versions_did(state, S1, ["R&amp;D"])
    assert await topics(state, S1) == ("R&D",)
