"""Item 4: Slack and Discord answering 429 (with Retry-After) and 5xx during a fan-out of 1,000 channels.

The apps' own daily loops (adapters.slack.daily.daily_loop: SlackPoster with chat.postMessage and
find_sent; adapters.discord.app.daily_loop: discord.py with nonces) post to 1,000 channels of
the local fakes, which answer some of the calls, per channel, with 429s and 5xx. Afterwards each
channel holds exactly one message, every 429'd call was retried only after its Retry-After, and
no call went out during Discord's global rate limit.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, defaultdict, deque
from typing import Any

import pytest
from aiohttp import web

from adapters.discord.app import daily_loop as discord_daily_loop
from adapters.slack.daily import daily_loop as slack_daily_loop
from adapters.slack.webapi import build_client, new_session
from bot.daily.loop import DailyLoop
from bot.store import ChannelRef, State, open_state
from tests.adapters.discord.conftest import (
    GUILD,
    MESSAGE_CREATE,
    TODAY,
)
from tests.conftest import suite_settings
from tests.daily.conftest import at
from tests.fakes.discord_api import DiscordStandIn, RecordedRequest, rate_limited, server_error
from tests.fakes.discord_api import payloads as p
from tests.fakes.hf import FakeHF
from tests.fakes.platform import running_clock
from tests.fakes.slack_api import Call, FakeSlack, Reply
from tests.faults.conftest import Figures
from tests.faults.test_redis_restart import serve_recent_lists

CHANNELS = 1000
RETRY_AFTER = 1.0
SETTINGS = {"daily_send_concurrency": 20, "daily_retry_base_seconds": 1, "daily_lease_seconds": 10}

pytestmark = [
    pytest.mark.faults,
    pytest.mark.timeout(120),
    pytest.mark.settings_overrides(**SETTINGS),
    pytest.mark.standin_options(strict_channels=False),
]


async def fan_out(loop: DailyLoop, done, within: float = 90) -> tuple[int, list[Any]]:
    """Run the loop's passes until `done()` and a pass finds nothing due; (failed passes, reports)."""
    failed, reports = 0, []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        report = await loop.run_once()
        if report is None:
            failed += 1
        else:
            reports.append(report)
            if report.due == 0 and done():
                return failed, reports
        await asyncio.sleep(0.2)
    raise AssertionError(f"fan-out not done within {within} s: {loop.last_error}")


async def subscribe(state: State, refs: list[ChannelRef]) -> None:
    for start in range(0, len(refs), 100):
        await asyncio.gather(
            *(
                state.subscriptions.configure(ref, by="t", post_time="09:00", timezone="UTC")
                for ref in refs[start : start + 100]
            )
        )


# ---------------------------------------------------------------- Slack


PARAMS = web.RequestKey("params", dict)


class ChannelFaultsSlack(FakeSlack):
    """The fake Slack Web API, with chat.postMessage faults scripted per channel, and answer times."""

    def __init__(self) -> None:
        super().__init__()
        self.channel_faults: dict[str, deque[Reply]] = {}
        self.answers: list[tuple[str, int, float]] = []  # (channel, status, monotonic when it arrived)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if PARAMS not in request:  # the body can be read once: keep what it said
            request[PARAMS] = await super()._params(request)
        return request[PARAMS]

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "chat.postMessage":
            return await super()._api(request)
        arrived = time.monotonic()
        params = await self._params(request)
        channel = str(params.get("channel"))
        queue = self.channel_faults.get(channel)
        if queue:
            self.calls.append(Call("chat.postMessage", params, dict(request.headers)))
            reply = queue.popleft()
            self.answers.append((channel, reply.status, arrived))
            return web.json_response(reply.body, status=reply.status, headers=reply.headers)
        response = await super()._api(request)
        self.answers.append((channel, response.status, arrived))
        return response


def slack_faults(index: int) -> list[Reply]:
    if index % 10 == 3:  # 100 channels: rate limited once
        return [Reply.ratelimited(int(RETRY_AFTER))]
    if index % 20 == 7:  # 50 channels: Slack is down for their first try (the engine retries later)
        return [Reply(503, {"ok": False, "error": "service_unavailable"})]
    if index % 50 == 11:  # 20 channels: a 500, then a 429 on the retry
        return [Reply(500, {"ok": False, "error": "internal_error"}), Reply.ratelimited(int(RETRY_AFTER))]
    return []


async def test_slack_fan_out_of_1000_channels_with_429s_and_5xx(
    redis_url: str, key_prefix: str, fake_hf: FakeHF, tmp_path, figures: Figures
) -> None:
    serve_recent_lists(fake_hf)
    settings = suite_settings(redis_url, key_prefix, tmp_path, fake_hf, **SETTINGS)
    refs = [ChannelRef("slack", "T1", f"C{i:05d}") for i in range(CHANNELS)]
    with ChannelFaultsSlack() as fake:
        injected = 0
        for i, ref in enumerate(refs):
            faults = slack_faults(i)
            injected += len(faults)
            if faults:
                fake.channel_faults[ref.channel] = deque(faults)
        state = await open_state(settings)
        session = new_session()
        started = time.monotonic()
        try:
            await subscribe(state, refs)
            client = build_client("xoxb-fan-out-test", fake.api_url, session)
            loop = slack_daily_loop(state, client)
            loop.clock = running_clock(at(TODAY, 12))
            failed, reports = await fan_out(loop, lambda: len(fake.history) == CHANNELS)
            seconds = time.monotonic() - started
            statuses = await asyncio.gather(*(state.subscriptions.status(r, now=loop.clock()) for r in refs))
        finally:
            await session.close()
            await state.aclose()
        calls = Counter(str(c.params.get("channel")) for c in fake.posted())
        early = rate_limit_violations(fake.answers)
    figures.add(
        "item4 slack fan-out",
        channels=CHANNELS,
        faults_injected=injected,
        answered_429=sum(1 for _, s, _ in fake.answers if s == 429),
        answered_5xx=sum(1 for _, s, _ in fake.answers if s >= 500),
        calls=sum(calls.values()),
        passes=len(reports) + failed,
        engine_retries=sum(r.retrying for r in reports),
        channels_with_one_message=sum(1 for ch in fake.history.values() if len(ch) == 1),
        posted_twice=sum(1 for ch in fake.history.values() if len(ch) > 1),
        retried_before_retry_after=len(early),
        seconds=round(seconds, 1),
    )
    assert sorted(fake.history) == sorted(r.channel for r in refs)
    assert all(len(messages) == 1 for messages in fake.history.values())
    assert sum(calls.values()) == CHANNELS + injected  # no call wasted, none repeated
    assert early == []
    assert all(s is not None and s.posted_today for s in statuses)


def rate_limit_violations(answers: list[tuple[str, int, float]]) -> list[str]:
    """Channels whose call after a 429 came before its Retry-After was over."""
    by_channel: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for channel, status, at_ in answers:
        by_channel[channel].append((status, at_))
    early = []
    for channel, seen in by_channel.items():
        for (status, at_429), (_, next_at) in itertools.pairwise(seen):
            if status == 429 and next_at - at_429 < RETRY_AFTER - 0.01:
                early.append(channel)
    return early


# ---------------------------------------------------------------- Discord


class DiscordFaults:
    """Per channel: a 429 (1 s), a 502 (discord.py retries it after 1 s) or a 503 (back to the
    engine); once, a global 429 in the middle of the fan-out."""

    def __init__(self, channels: list[int]) -> None:
        self.plan: dict[str, deque[Any]] = {}
        for i, cid in enumerate(channels):
            if i % 10 == 3:
                self.plan[str(cid)] = deque([rate_limited(RETRY_AFTER)])
            elif i % 50 == 7:
                self.plan[str(cid)] = deque([server_error(502)])
            elif i % 50 == 21:
                self.plan[str(cid)] = deque([server_error(503)])
        self.injected = sum(len(q) for q in self.plan.values())
        self.seen = 0
        self.global_at: float | None = None

    def __call__(self, request: RecordedRequest) -> Any:
        self.seen += 1
        if self.seen == CHANNELS // 2 and self.global_at is None:
            self.global_at = request.monotonic
            self.injected += 1
            return rate_limited(RETRY_AFTER, is_global=True)
        queue = self.plan.get(request.params["channel_id"])
        return queue.popleft() if queue else None


async def test_discord_fan_out_of_1000_channels_with_429s_and_5xx(
    standin: DiscordStandIn, bot, settings, state: State, figures: Figures
) -> None:
    channel_ids = [p.snowflake() + i for i in range(CHANNELS)]
    refs = [ChannelRef("discord", str(GUILD), str(cid)) for cid in channel_ids]
    faults = DiscordFaults(channel_ids)
    standin.script(MESSAGE_CREATE, faults, times=None)
    await subscribe(state, refs)
    loop = discord_daily_loop(settings, state, bot, clock=running_clock(at(TODAY, 12)))
    started = time.monotonic()
    failed, reports = await fan_out(loop, lambda: all(standin.channel_messages(c) for c in channel_ids))
    seconds = time.monotonic() - started
    creates = [r for r in standin.requests if r.route == MESSAGE_CREATE]
    per_channel = Counter(r.params["channel_id"] for r in standin.message_creates())
    early = rate_limit_violations([(r.params["channel_id"], r.status or 0, r.monotonic) for r in creates])
    assert faults.global_at is not None
    during_global = [
        r for r in creates if faults.global_at + 0.1 < r.monotonic < faults.global_at + RETRY_AFTER - 0.05
    ]
    statuses = await asyncio.gather(*(state.subscriptions.status(r, now=loop.clock()) for r in refs))
    # discord.py checks its global lock before a request's first try only: a retry already sleeping
    # (after a 429 of its own route, or a 502) goes out when its own wait ends. New requests wait.
    tried_before = {r.index for r in during_global if any(
        q.params["channel_id"] == r.params["channel_id"] and q.index < r.index for q in creates
    )}  # fmt: skip
    new_during_global = [r for r in during_global if r.index not in tried_before]
    figures.add(
        "item4 discord fan-out",
        channels=CHANNELS,
        faults_injected=faults.injected,
        answered_429=sum(1 for r in creates if r.status == 429),
        answered_5xx=sum(1 for r in creates if (r.status or 0) >= 500),
        calls=len(creates),
        passes=len(reports) + failed,
        engine_retries=sum(r.retrying for r in reports),
        deduplicated_by_nonce=sum(r.deduplicated for r in creates),
        channels_with_one_message=sum(1 for c in channel_ids if len(standin.channel_messages(c)) == 1),
        posted_twice=sum(1 for n in per_channel.values() if n > 1),
        retried_before_retry_after=len(early),
        new_calls_during_global_limit=len(new_during_global),
        retries_during_global_limit=len(tried_before),
        seconds=round(seconds, 1),
    )
    assert all(len(standin.channel_messages(c)) == 1 for c in channel_ids)
    assert len(per_channel) == CHANNELS and set(per_channel.values()) == {1}
    assert len(creates) == CHANNELS + faults.injected
    assert early == [] and new_during_global == []
    assert all(s is not None and s.posted_today for s in statuses)
