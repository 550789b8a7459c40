"""The daily post: the core engine with the Discord `send`, against the stand-in and real Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.discord.app import PapersBot, ShardedPapersBot, create_client, daily_loop
from adapters.discord.daily import message_nonce, shard_filter, shard_of
from bot.daily.delivery import idempotency_key
from bot.daily.loop import DailyLoop
from bot.daily.report import RunReport
from bot.settings import Settings
from bot.store import ChannelRef, State
from tests.adapters.discord.conftest import (
    GUILD,
    MESSAGE_CREATE,
    NOW,
    PAPERS,
    PAPERS_REF,
    TODAY,
    TOKEN,
    day_items,
    make_bot,
)
from tests.conftest import suite_settings
from tests.fakes.discord_api import (
    ChannelSpec,
    DiscordStandIn,
    GuildSpec,
    missing_access,
    rate_limited,
    running,
)
from tests.fakes.discord_api import payloads as p
from tests.fakes.hf import FakeHF


async def subscribe(state: State, channel: ChannelRef = PAPERS_REF, **settings: Any) -> None:
    await state.subscriptions.subscribe(channel, by="discord:1")
    await state.subscriptions.configure(channel, by="discord:1", create=False, post_time="09:00", **settings)


class Tick:
    """The app's daily loop (at the test clock) one pass at a time."""

    def __init__(self, loop: DailyLoop) -> None:
        self.loop = loop

    async def tick(self) -> RunReport:
        report = await self.loop.run_once()
        assert report is not None, self.loop.last_error
        return report


def loop_for(settings: Settings, state: State, client: Any, owner: str | None = None) -> Tick:
    return Tick(daily_loop(settings, state, client, clock=lambda: NOW, owner=owner))


async def test_a_due_channel_gets_exactly_one_post_with_a_nonce(
    standin: DiscordStandIn, bot: PapersBot, settings: Settings, state: State
) -> None:
    await subscribe(state, top=3)
    loop = loop_for(settings, state, bot)
    report = await loop.tick()
    assert (report.due, report.posted) == (1, 1)
    (create,) = standin.message_creates(PAPERS)
    key = idempotency_key(settings.redis_key_prefix, PAPERS_REF, TODAY, "UTC")
    assert create.json["nonce"] == key and create.json["enforce_nonce"] is True and len(key) <= 25
    assert create.json["allowed_mentions"] == {"parse": []}
    assert [e["title"] for e in create.json["embeds"]] == [f"{i + 1}. Paper {i} of {TODAY}" for i in range(3)]

    again = await loop.tick()  # the same day again: nothing due, nothing sent
    assert again.posted == 0 and len(standin.message_creates()) == 1
    status = await state.subscriptions.status(PAPERS_REF, now=NOW)
    assert status is not None and status.last_post_count == 3
    assert status.last_message_id == str(create.message["id"])


async def test_two_engines_on_one_redis_post_once(
    standin: DiscordStandIn, bot: PapersBot, settings: Settings, state: State
) -> None:
    other_channel = ChannelRef("discord", str(GUILD), str(p.DEFAULT_CHANNEL_ID))
    await subscribe(state)
    await subscribe(state, other_channel)
    loops = [loop_for(settings, state, bot, owner=f"engine-{n}") for n in range(3)]
    reports = await asyncio.gather(*(loop.tick() for loop in loops))
    assert sum(r.posted for r in reports) == 2
    creates = standin.message_creates()
    assert sorted(r.params["channel_id"] for r in creates) == sorted([str(PAPERS), str(p.DEFAULT_CHANNEL_ID)])
    assert not any(r.deduplicated for r in creates)  # the claims did it, not Discord's nonce check


async def test_a_retried_post_is_not_posted_twice(
    standin: DiscordStandIn, bot: PapersBot, state: State
) -> None:
    from adapters.discord.daily import make_send
    from bot.daily.delivery import Delivery
    from bot.digest import Digest

    delivery = Delivery(
        channel=PAPERS_REF,
        digest=Digest(day=TODAY, entries=(), total=0),
        local_day=TODAY,
        idempotency_key="k" * 24,
    )
    send = make_send(bot)
    first, second = await send(delivery), await send(delivery)  # e.g. a crash before recording
    assert first == second
    assert [r.deduplicated for r in standin.requests if r.route == MESSAGE_CREATE] == [False, True]
    assert len(standin.channel_messages(PAPERS)) == 1


async def test_a_long_post_is_several_messages_each_with_its_own_nonce(
    standin: DiscordStandIn, bot: PapersBot, settings: Settings, state: State, fake_hf: FakeHF
) -> None:
    long = " ".join(["An abstract sentence about efficient diffusion transformers at scale."] * 40)
    fake_hf.days[TODAY.isoformat()] = day_items(TODAY, 20, abstract=long)
    await subscribe(state, top=20)
    await loop_for(settings, state, bot).tick()
    creates = standin.message_creates(PAPERS)
    assert len(creates) >= 2 and all(r.status == 200 for r in creates)
    nonces = [r.json["nonce"] for r in creates]
    key = idempotency_key(settings.redis_key_prefix, PAPERS_REF, TODAY, "UTC")
    assert nonces[0] == key and len(set(nonces)) == len(nonces) and all(len(n) <= 25 for n in nonces)
    assert sum(len(r.json["embeds"]) for r in creates) == 20


async def test_403_pauses_the_channel_with_the_reason(
    standin: DiscordStandIn, bot: PapersBot, settings: Settings, state: State
) -> None:
    await subscribe(state)
    standin.script(MESSAGE_CREATE, missing_access())
    report = await loop_for(settings, state, bot).tick()
    assert report.paused == 1 and standin.message_creates() == []
    sub = await state.subscriptions.get(PAPERS_REF)
    assert sub is not None and sub.paused
    assert "403" in sub.paused_reason and "Send Messages" in sub.paused_reason
    assert not await state.redis.zscore(state.keys.due("discord"), PAPERS_REF.member)  # out of the due index
    assert (await loop_for(settings, state, bot).tick()).due == 0


async def test_404_unknown_channel_pauses_it(
    standin: DiscordStandIn, bot: PapersBot, settings: Settings, state: State
) -> None:
    gone = ChannelRef("discord", str(GUILD), "123456789012345678")
    await subscribe(state, gone)
    report = await loop_for(settings, state, bot).tick()
    assert report.paused == 1
    sub = await state.subscriptions.get(gone)
    assert sub is not None and sub.paused and "no longer exists" in sub.paused_reason


async def test_a_long_rate_limit_is_a_retry_later_not_a_wait(
    standin: DiscordStandIn, settings: Settings, state: State
) -> None:
    client = make_bot(settings, state, max_ratelimit_timeout=1.0)
    async with running(client, TOKEN):
        await subscribe(state)
        standin.script(MESSAGE_CREATE, rate_limited(retry_after=120))
        report = await loop_for(settings, state, client).tick()
    assert report.retrying == 1 and standin.message_creates() == []
    status = await state.subscriptions.status(PAPERS_REF, now=NOW)
    assert status is not None and not status.subscription.paused
    assert "rate limit" in (status.last_error or "")


# ---------------------------------------------------------------- shards


def two_shard_guilds() -> tuple[GuildSpec, GuildSpec]:
    """Guilds on shard 0 and shard 1 of 2."""
    base = p.snowflake() >> 22 & ~1
    even = GuildSpec(base << 22 | 11, "Even", [ChannelSpec(base << 22 | 12, "even-papers")])
    odd = GuildSpec((base + 1) << 22 | 13, "Odd", [ChannelSpec((base + 1) << 22 | 14, "odd-papers")])
    assert shard_of(even.id, 2) == 0 and shard_of(odd.id, 2) == 1
    return even, odd


async def test_a_process_posts_only_for_the_guilds_of_its_shards(
    redis_url: str, key_prefix: str, fake_hf: FakeHF, tmp_path, state: State
) -> None:
    even, odd = two_shard_guilds()
    refs = {g.name: ChannelRef("discord", str(g.id), str(g.channels[0].id)) for g in (even, odd)}
    for ref in refs.values():
        await subscribe(state, ref)
    async with DiscordStandIn(token=TOKEN, guilds=[even, odd], fail_on_unknown_routes=True) as server:
        from tests.fakes.discord_api import point_discord_py

        with point_discord_py(server.api_url, server.gateway_url):
            for shard, name, other in ((0, "Even", "Odd"), (1, "Odd", "Even")):
                shard_settings = suite_settings(
                    redis_url,
                    key_prefix,
                    tmp_path,
                    fake_hf,
                    discord_shard_count=2,
                    discord_shard_ids=str(shard),
                )
                client = create_client(shard_settings, state, with_daily=False, guild_ready_timeout=0.05)
                assert isinstance(client, ShardedPapersBot)
                async with running(client, TOKEN):
                    assert [g.name for g in client.guilds] == [name]
                    before = await state.redis.zscore(state.keys.due("discord"), refs[other].member)
                    report = await Tick(daily_loop(shard_settings, state, client, clock=lambda: NOW)).tick()
                    assert (report.due, report.posted) == (1, 1)
                    # the other shard's channel was neither claimed nor rescheduled
                    after = await state.redis.zscore(state.keys.due("discord"), refs[other].member)
                    assert after == before
                posted = {r.params["channel_id"] for r in server.message_creates()}
                assert str(refs[name].channel) in posted
            assert len(server.message_creates()) == 2
            assert sorted(i["shard"] for i in server.identifies) == [[0, 2], [1, 2]]


async def test_the_engine_leaves_channels_it_does_not_accept_alone(
    standin: DiscordStandIn, bot: PapersBot, settings: Settings, state: State
) -> None:
    from adapters.discord.daily import make_send
    from bot.daily.engine import DailyEngine

    general = ChannelRef("discord", str(GUILD), str(p.DEFAULT_CHANNEL_ID))
    await subscribe(state)
    await subscribe(state, general)
    due_key = state.keys.due("discord")
    before = await state.redis.zscore(due_key, general.member)
    report = await DailyEngine(state).run_due(
        NOW, make_send(bot), platforms=["discord"], accept=lambda ch: ch == PAPERS_REF
    )
    assert (report.due, report.posted) == (1, 1)
    assert await state.redis.zscore(due_key, general.member) == before  # not rescheduled
    assert not await state.redis.exists(state.keys.claim(general, "UTC", TODAY))  # not claimed
    assert [r.params["channel_id"] for r in standin.message_creates()] == [str(PAPERS)]
    later = await DailyEngine(state).run_due(NOW, make_send(bot), platforms=["discord"])
    assert (later.due, later.posted) == (1, 1)  # the process that accepts it posts it


def test_shard_filter_follows_discords_formula() -> None:
    even, odd = two_shard_guilds()
    chan = {g: ChannelRef("discord", str(g), "1") for g in (even.id, odd.id)}
    assert shard_filter(None, None) is None and shard_filter([0], 1) is None
    assert shard_filter(None, 2) is None and shard_filter([0, 1], 2) is None  # every shard: no filter
    first = shard_filter([0], 2)
    assert first is not None and first(chan[even.id]) and not first(chan[odd.id])
    assert not first(ChannelRef("slack", "T1", "C1"))
    assert shard_of(p.DEFAULT_GUILD_ID, 2) == p.shard_for(p.DEFAULT_GUILD_ID, 2)


def test_nonces_fit_discord_and_differ_per_message() -> None:
    key = "a" * 24
    nonces = [message_nonce(key, part) for part in range(36)]
    assert nonces[0] == key and len(set(nonces)) == 36 and max(map(len, nonces)) == 25
    with pytest.raises(ValueError):
        message_nonce(key, 36)
