"""An engine that dies holding claims: its posts are taken over the same day, never doubled
while it lives, and re-sent with the same idempotency key and papers when it is gone."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from redis.asyncio import Redis

from bot.daily import DailyEngine, Delivery
from bot.settings import Settings
from bot.source.hf_client import HFSource
from bot.store import ChannelRef, State, build_state
from tests.daily.conftest import TODAY, at
from tests.fakes.platform import Sink

NOW = at(TODAY, 10)
C1 = ChannelRef("slack", "T1", "C1")


def engine_with(state: State, **settings: object) -> DailyEngine:
    changed: Settings = state.settings.model_copy(update=settings)
    return DailyEngine(build_state(state.redis, changed, state.papers._fetch))


class Hanging:
    """A send that reaches the platform and then never returns (the process dies meanwhile)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.sent: list[Delivery] = []

    async def __call__(self, delivery: Delivery) -> str:
        self.sent.append(delivery)
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def die_while_sending(engine: DailyEngine) -> Hanging:
    send = Hanging()
    task = asyncio.create_task(engine.run_due(NOW, send))
    await asyncio.wait_for(send.started.wait(), 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return send


async def test_live_owner_keeps_its_claim(state: State) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    slow = engine_with(state, daily_lease_seconds=0.3)  # short lease, renewed while it lives
    release = asyncio.Event()

    async def send(delivery: Delivery) -> str:
        await release.wait()
        return "m1"

    task = asyncio.create_task(slow.run_due(NOW, send))
    await asyncio.sleep(1.0)  # three leases long
    other, sink = DailyEngine(state), Sink()
    report = await other.run_due(NOW, sink)
    assert report.busy == 1 and sink.sent == []
    release.set()
    assert (await task).posted == 1
    assert (await other.run_due(NOW + timedelta(minutes=1), sink)).due == 0


async def test_take_over_confirmed_by_find_sent(state: State) -> None:
    await state.subscriptions.subscribe(C1, by="u", topic="paper")
    dead = await die_while_sending(engine_with(state, daily_lease_seconds=0.3))
    [first] = dead.sent
    survivor, sink = DailyEngine(state), Sink()
    assert (await survivor.run_due(NOW, sink)).busy == 1  # the lease has not run out yet
    await asyncio.sleep(0.4)
    looked_up: list[Delivery] = []

    async def find_sent(delivery: Delivery) -> str | None:
        looked_up.append(delivery)
        return "msg-found" if delivery.idempotency_key == first.idempotency_key else None

    report = await survivor.run_due(NOW, sink, find_sent=find_sent)
    assert report.recovered == 1 and report.confirmed == 1 and sink.sent == []
    assert looked_up[0].recovered and looked_up[0].paper_ids == first.paper_ids
    assert set(await state.subscriptions.posted(C1)) == set(first.paper_ids)
    status = await state.subscriptions.status(C1, now=NOW)
    assert status is not None and status.last_message_id == "msg-found" and status.posted_today


async def test_take_over_resends_the_same_post(state: State) -> None:
    await state.subscriptions.subscribe(C1, by="u")
    dead = await die_while_sending(engine_with(state, daily_lease_seconds=0.3))
    await asyncio.sleep(0.4)
    sink = Sink()
    report = await DailyEngine(state).run_due(NOW, sink)
    assert report.recovered == 1 and report.posted == 1
    [again] = sink.sent
    assert again.recovered and again.attempt == 2
    assert again.idempotency_key == dead.sent[0].idempotency_key  # Discord's nonce drops the repeat
    assert again.paper_ids == dead.sent[0].paper_ids


async def test_cancel_gives_back_claims_not_yet_sent(state: State) -> None:
    channels = [ChannelRef("slack", "T1", f"C{i}") for i in range(3)]
    for ch in channels:
        await state.subscriptions.subscribe(ch, by="u")
    dead = await die_while_sending(engine_with(state, daily_send_concurrency=1, daily_lease_seconds=30))
    sink = Sink()
    report = await DailyEngine(state).run_due(NOW, sink)  # at once: no lease to wait for
    assert report.posted == 2 and report.busy == 1
    assert {d.channel for d in sink.sent} | {dead.sent[0].channel} == set(channels)


async def test_takeover_between_processes_sharing_nothing_but_redis(redis_url: str, state: State) -> None:
    """Two engines on separate connections, like two replicas: one dies, the other takes over."""
    await state.subscriptions.subscribe(C1, by="u")
    other_client = Redis.from_url(redis_url, decode_responses=True)
    replica_settings = state.settings.model_copy(update={"daily_lease_seconds": 0.3})
    try:
        async with HFSource(replica_settings) as source:  # its own HF client, on the same fake HF API
            replica = DailyEngine(build_state(other_client, replica_settings, source.fetch_day))
            dead = await die_while_sending(replica)
    finally:
        await other_client.aclose()
    await asyncio.sleep(0.4)
    sink = Sink()
    await DailyEngine(state).run_due(NOW, sink)
    assert [d.paper_ids for d in sink.sent] == [dead.sent[0].paper_ids]
