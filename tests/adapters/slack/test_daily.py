"""The daily post through the Slack `send`: the real engine, real Redis, the fake Web API."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.slack.daily import EVENT_TYPE, SlackPoster, daily_loop
from adapters.slack.runtime import Runtime
from bot.daily.delivery import Delivery
from bot.daily.errors import ChannelGone, DeliveryFailed
from bot.daily.loop import DailyLoop
from bot.digest import Digest
from bot.store import ChannelRef
from tests.adapters.slack.conftest import day_items, today, validate_blocks
from tests.fakes.hf import FakeHF
from tests.fakes.slack_api import FakeSlack, Reply
from tests.fakes.slack_requests import TEAM, SlackSender


def channel(name: str = "C1") -> ChannelRef:
    return ChannelRef("slack", TEAM, name)


async def subscribe(slack: Runtime, name: str = "C1", **settings: object) -> ChannelRef:
    ref = channel(name)
    await slack.state.subscriptions.configure(
        ref, by="slack:U1", post_time="00:00", timezone="UTC", **settings
    )
    return ref


def loop_for(slack: Runtime) -> DailyLoop:
    """A daily loop as `papers-bot slack` runs it (one engine per replica), driven by the test."""
    loop = daily_loop(slack.state, slack.client)
    loop.tick_seconds = 0.05
    return loop


async def status_text(sender: SlackSender, fake: FakeSlack, name: str, channel_id: str = "C1") -> str:
    await sender.command("status", name=name, channel=channel_id)
    await fake.wait_for(lambda: fake.responses_to(name))
    return fake.responses_to(name)[0]["text"]


async def test_a_due_channel_gets_exactly_one_post(
    slack: Runtime, fake_slack: FakeSlack, papers_today: list
) -> None:
    await subscribe(slack, top=3)
    daily = loop_for(slack)
    report = await daily.run_once()
    assert report.posted == 1
    again = await daily.run_once()
    assert again.posted == 0
    [post] = fake_slack.posted("C1")
    params = post.params
    assert params["unfurl_links"] is False and params["unfurl_media"] is False
    assert (
        params["metadata"]["event_type"] == EVENT_TYPE
        and len(params["metadata"]["event_payload"]["key"]) == 24
    )
    validate_blocks(params)
    assert "Paper 0" in params["text"] and "Paper 3" not in params["text"]
    assert "<!channel>" not in str(params["blocks"])  # outside text is escaped: no pings
    record = await slack.state.subscriptions.status(channel("C1"))
    assert record is not None and record.last_message_id == fake_slack.history["C1"][0]["ts"]


async def test_several_replicas_post_each_channel_once(
    slack: Runtime, fake_slack: FakeSlack, papers_today: list
) -> None:
    names = [f"C{i}" for i in range(2, 8)]
    for name in names:
        await subscribe(slack, name)
    replicas = [loop_for(slack) for _ in range(3)]  # three engines on one Redis, as three processes
    for _ in range(2):
        await asyncio.gather(*(replica.run_once() for replica in replicas))
    assert sorted(c.params["channel"] for c in fake_slack.posted()) == sorted(names)


async def test_a_rate_limit_with_retry_after_is_waited_out(
    slack: Runtime, fake_slack: FakeSlack, papers_today: list
) -> None:
    await subscribe(slack)
    fake_slack.fail("chat.postMessage", Reply.ratelimited(retry_after=1))
    report = await loop_for(slack).run_once()
    assert report.posted == 1 and report.retrying == 0
    first, second = fake_slack.calls_to("chat.postMessage")
    assert second.at - first.at >= 1.0  # slept Retry-After, then posted
    assert len(fake_slack.history["C1"]) == 1


async def test_a_long_retry_after_goes_back_to_the_engine(
    slack: Runtime, fake_slack: FakeSlack, papers_today: list, sender: SlackSender
) -> None:
    await subscribe(slack)
    fake_slack.fail("chat.postMessage", Reply.ratelimited(retry_after=120))
    report = await loop_for(slack).run_once()
    assert report.retrying == 1 and len(fake_slack.calls_to("chat.postMessage")) == 1  # not slept through
    assert "ratelimited" in await status_text(sender, fake_slack, "status")


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_a_gone_channel_is_paused_with_the_reason(
    slack: Runtime, fake_slack: FakeSlack, papers_today: list, sender: SlackSender, error: str
) -> None:
    await subscribe(slack)
    fake_slack.fail("chat.postMessage", Reply.error(error))
    report = await loop_for(slack).run_once()
    assert report.paused == 1
    text = await status_text(sender, fake_slack, "status")
    assert "Paused" in text and error in text and "/papers resume" in text
    assert (await loop_for(slack).run_once()).due == 0  # paused: no more attempts
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_a_rejected_token_is_retried_not_paused(
    slack: Runtime, fake_slack: FakeSlack, papers_today: list
) -> None:
    await subscribe(slack)
    fake_slack.fail("chat.postMessage", Reply.error("invalid_auth"))
    report = await loop_for(slack).run_once()
    assert report.retrying == 1 and report.paused == 0
    sub = await slack.state.subscriptions.get(channel())
    assert sub is not None and not sub.paused


async def test_a_long_post_goes_out_in_parts_in_order(
    slack: Runtime, fake_slack: FakeSlack, fake_hf: FakeHF
) -> None:
    fake_hf.days[today().isoformat()] = day_items(today(), 25)
    await subscribe(slack, top=20)  # 20 papers need more than Slack's 50 blocks
    assert (await loop_for(slack).run_once()).posted == 1
    posts = fake_slack.posted("C1")
    assert len(posts) >= 2
    parts = [p.params["metadata"]["event_payload"] for p in posts]
    assert [p["part"] for p in parts] == list(range(1, len(posts) + 1))
    assert len({p["key"] for p in parts}) == 1
    for post in posts:
        validate_blocks(post.params)
    record = await slack.state.subscriptions.status(channel())
    assert record is not None and record.last_message_id == fake_slack.history["C1"][0]["ts"]
    assert record.last_post_count == 20


async def test_a_failed_second_part_does_not_repeat_the_first(
    slack: Runtime, fake_slack: FakeSlack, fake_hf: FakeHF
) -> None:
    fake_hf.days[today().isoformat()] = day_items(today(), 25)
    await subscribe(slack, top=20)
    fake_slack.fail("chat.postMessage", Reply(200, {"ok": True, "channel": "C1", "ts": "1.000001"}),
                    Reply.error("msg_blocks_too_long"))  # fmt: skip
    daily = loop_for(slack)
    assert (await daily.run_once()).posted == 1
    assert (await daily.run_once()).posted == 0
    assert len(fake_slack.posted("C1")) == 2


async def test_find_sent_finds_a_post_made_before_a_crash(slack: Runtime, fake_slack: FakeSlack) -> None:
    poster = SlackPoster(slack.client)
    digest = Digest(day=today(), entries=(), total=0)
    delivery = Delivery(channel(), digest, today(), idempotency_key="k" * 24, recovered=True)
    assert await poster.find_sent(delivery) is None
    fake_slack.history["C1"] = [{"type": "message", "ts": "5.000001", "text": "someone else"}]
    ts = await poster.send(delivery)  # "nothing new" renders one friendly message
    assert fake_slack.history["C1"][-1]["ts"] == ts
    assert await poster.find_sent(delivery) == ts
    other = Delivery(channel(), digest, today() - timedelta(days=1), idempotency_key="o" * 24)
    assert await poster.find_sent(other) is None
    history = fake_slack.calls_to("conversations.history")[-1].params
    assert history["channel"] == "C1" and str(history["include_all_metadata"]).lower() in ("1", "true")


async def test_send_raises_what_the_engine_understands(slack: Runtime, fake_slack: FakeSlack) -> None:
    poster = SlackPoster(slack.client)
    delivery = Delivery(
        channel(), Digest(day=today(), entries=(), total=0), today(), idempotency_key="x" * 24
    )
    fake_slack.fail("chat.postMessage", Reply.error("channel_not_found"))
    with pytest.raises(ChannelGone, match="channel_not_found"):
        await poster.send(delivery)
    fake_slack.fail("chat.postMessage", Reply(503, {"ok": False, "error": "service_unavailable"}))
    with pytest.raises(DeliveryFailed, match=r"503|service_unavailable"):
        await poster.send(delivery)
    fake_slack.fail("chat.postMessage", Reply.ratelimited(retry_after=600))
    with pytest.raises(DeliveryFailed) as caught:
        await poster.send(delivery)
    assert caught.value.retry_after == 600


async def test_the_loop_survives_a_failing_pass(
    slack: Runtime, fake_slack: FakeSlack, papers_today: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    await subscribe(slack)
    daily = loop_for(slack)
    real = daily.engine.run_due
    calls = 0

    async def flaky(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("redis went away")
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(daily.engine, "run_due", flaky)
    task = asyncio.create_task(daily.run_forever())
    try:
        await fake_slack.wait_for(lambda: daily.last_run_at is not None, within=5)  # a pass completed
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert calls >= 2 and daily.last_error is None and len(fake_slack.posted("C1")) == 1
