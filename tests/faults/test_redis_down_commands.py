"""Item 2: Redis unreachable while people type `/papers`, on both platforms.

The real apps (Slack over signed HTTP, Discord through the stand-in) run on a Redis of their own.
It is taken away two ways: stopped (connections refused) and frozen with SIGSTOP (connections
accepted, nothing answered: a network partition). Every command still gets a clear answer within
3 s, measured from the moment it was sent to the moment the answer reached the platform, the
process keeps running, and once Redis is back the next commands are answered normally, without
restarting anything.
"""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

import pytest

from adapters.slack.daily import daily_loop as slack_daily_loop
from adapters.slack.runtime import Runtime
from bot.commands.service import ANSWER_DEADLINE
from tests.adapters.discord.conftest import (
    MANAGER,
    command,
)
from tests.fakes.discord_api import DiscordStandIn
from tests.fakes.discord_api import payloads as p
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import SlackSender
from tests.faults.conftest import Figures, RestartableRedis
from tests.marks import FixtureAttr

OWN_REDIS = FixtureAttr("restartable_redis", "url")  # both apps run on a Redis of the test's own
pytestmark = [
    pytest.mark.faults,
    pytest.mark.timeout(90),
    pytest.mark.slack_overrides(redis_url=OWN_REDIS),
    pytest.mark.settings_overrides(redis_url=OWN_REDIS),
]

LIMIT = 3.0  # seconds from typing the command to seeing the answer
# The core's deadline counts from the request's arrival, checks before it included, so a silent
# Redis costs at most that plus the time to deliver the answer.
SILENT_REDIS_LIMIT = ANSWER_DEADLINE + 0.5
STORAGE_DOWN = "can't reach my storage"
SLACK_TEXTS = ["", "status", "topics", "top 3", "subscribe diffusion", "time 09:00 Europe/Berlin", "pause"]
DISCORD_COMMANDS: list[tuple[str, tuple[dict[str, Any], ...]]] = [
    ("today", ()),
    ("status", ()),
    ("topics", ()),
    ("top", (p.option("count", 3),)),
    ("subscribe", (p.option("topic", "diffusion"),)),
    ("time", (p.option("time", "09:00"), p.option("timezone", "Europe/Berlin"))),
    ("pause", ()),
]


def take_away(redis: RestartableRedis, how: str) -> None:
    if how == "stopped":
        redis.stop(signal.SIGKILL)
    else:
        redis.freeze()


def bring_back(redis: RestartableRedis, how: str) -> None:
    if how == "stopped":
        redis.start()
    else:
        redis.thaw()


# ---------------------------------------------------------------- Slack


async def slack_round(sender: SlackSender, fake: FakeSlack, tag: str) -> list[tuple[str, float, str]]:
    """Each command typed once, all at once; (text, seconds to the answer, answer text)."""

    async def one(i: int, text: str) -> tuple[str, float, str]:
        name = f"{tag}{i}"
        started = time.time()
        sent = await sender.command(text, name=name)
        assert sent.status == 200 and sent.seconds < LIMIT, (text, sent)
        await fake.wait_for(lambda: fake.responses_to(name), within=10)
        arrived = dict(fake.response_times)[name]
        return text, arrived - started, fake.responses_to(name)[0]["text"]

    return list(await asyncio.gather(*(one(i, text) for i, text in enumerate(SLACK_TEXTS))))


@pytest.mark.parametrize("how", ["stopped", "frozen"])
async def test_slack_commands_while_redis_is_unreachable(
    how: str,
    restartable_redis: RestartableRedis,
    slack: Runtime,
    sender: SlackSender,
    fake_slack: FakeSlack,
    papers_today: list,
    figures: Figures,
) -> None:
    before = await slack_round(sender, fake_slack, "before")
    assert all(STORAGE_DOWN not in text for _, _, text in before)
    daily = slack_daily_loop(slack.state, slack.client)

    take_away(restartable_redis, how)
    try:
        during, (health, _), report = await asyncio.gather(
            slack_round(sender, fake_slack, "during"), slack.health(), daily.run_once()
        )
        assert report is None and daily.last_error  # the pass failed; the loop lives on
    finally:
        bring_back(restartable_redis, how)

    after = await slack_round(sender, fake_slack, "after")
    assert await daily.run_once() is not None and daily.last_error is None
    assert (await slack.health())[0] is True

    slowest = max(seconds for _, seconds, _ in during)
    figures.add(
        f"item2 slack, redis {how}",
        commands_during=len(during),
        storage_notices=sum(STORAGE_DOWN in t for _, _, t in during),
        slowest_answer_s=round(slowest, 2),
        healthz_ok_during=health,
        commands_after=len(after),
        normal_answers_after=sum(STORAGE_DOWN not in t for _, _, t in after),
    )
    for text, seconds, answer_text in during:
        assert seconds < (SILENT_REDIS_LIMIT if how == "frozen" else LIMIT), (text, seconds)
        assert STORAGE_DOWN in answer_text or "couldn't answer in time" in answer_text, (text, answer_text)
    assert health is False
    assert [t for t, _, a in after if STORAGE_DOWN in a] == []  # recovered by itself, at the first try
    assert all(seconds < LIMIT for _, seconds, _ in after)


# ---------------------------------------------------------------- Discord


async def discord_round(standin: DiscordStandIn) -> list[tuple[str, float, str]]:
    """Each command typed once, all at once; (name, seconds to the answer, answer text)."""

    async def one(name: str, options: tuple[dict[str, Any], ...]) -> tuple[str, float, str]:
        started = time.monotonic()
        sent = await command(standin, name, *options, permissions=MANAGER)
        final = await sent.callback(timeout=10)
        if final.json["type"] == 5:  # deferred: the answer is the edit that replaces "thinking..."
            final = await sent.original_edit(timeout=10)
            content = final.json.get("content")
        else:
            content = final.json["data"].get("content")
        assert final.status == 200, final.response
        return name, final.monotonic - started, content or ""

    return list(await asyncio.gather(*(one(name, options) for name, options in DISCORD_COMMANDS)))


@pytest.mark.parametrize("how", ["stopped", "frozen"])
async def test_discord_commands_while_redis_is_unreachable(
    how: str, restartable_redis: RestartableRedis, standin: DiscordStandIn, bot, figures: Figures
) -> None:
    before = await discord_round(standin)
    assert all(STORAGE_DOWN not in text for _, _, text in before)
    take_away(restartable_redis, how)
    try:
        during = await discord_round(standin)
        assert not bot.is_closed()
    finally:
        bring_back(restartable_redis, how)
    after = await discord_round(standin)
    slowest = max(seconds for _, seconds, _ in during)
    figures.add(
        f"item2 discord, redis {how}",
        commands_during=len(during),
        storage_notices=sum(STORAGE_DOWN in t for _, _, t in during),
        slowest_answer_s=round(slowest, 2),
        commands_after=len(after),
        normal_answers_after=sum(STORAGE_DOWN not in t for _, _, t in after),
    )
    for name, seconds, text in during:
        assert seconds < (SILENT_REDIS_LIMIT if how == "frozen" else LIMIT), (name, seconds)
        assert STORAGE_DOWN in text or "couldn't answer in time" in text, (name, text)
    assert [n for n, _, t in after if STORAGE_DOWN in t] == []
