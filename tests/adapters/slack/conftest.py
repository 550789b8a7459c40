"""The real Slack app (adapters.slack.runtime) on a free port, against local fakes only.

Redis is the suite's real server, Hugging Face is tests/fakes/hf.py and Slack's Web API, its
response_urls and Socket Mode are tests/fakes/slack_api.py (`fake_hf`, `fake_slack`: tests/conftest.py).
Requests are signed the way Slack signs them (tests/fakes/slack_requests.py), so Bolt's own
verification runs. A module that needs other settings marks itself:
`pytestmark = pytest.mark.slack_overrides(slack_managers="admins")` (tests/marks.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.models.blocks import Block

from adapters.slack.runtime import Runtime, start
from bot.settings import Settings
from tests.conftest import suite_settings
from tests.factories import api_item
from tests.fakes.hf import FakeHF
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import SECRET, SlackSender
from tests.marks import marked_kwargs


def today() -> date:
    return datetime.now(UTC).date()


def day_items(day: date, n: int) -> list[dict[str, Any]]:
    return [
        api_item(f"2510.{day.day:02d}{i:03d}", title=f"Paper {i} <!channel>", upvotes=100 - i, day=day)
        for i in range(n)
    ]


def validate_blocks(payload: dict[str, Any]) -> None:
    """What Slack would check: every block parses and validates; a text fallback is there."""
    assert payload.get("text"), payload
    assert 1 <= len(payload["blocks"]) <= 50
    for raw in payload["blocks"]:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()


def buttons(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in payload.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    }


@pytest.fixture
def slack_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """What `pytest.mark.slack_overrides(...)` on the test, its class or module asks for."""
    return marked_kwargs(request, "slack_overrides")


@pytest.fixture
def slack_settings(
    redis_url: str,
    key_prefix: str,
    fake_hf: FakeHF,
    fake_slack: FakeSlack,
    tmp_path: Path,
    slack_overrides: dict[str, Any],
) -> Settings:
    """The app's settings: the suite's Redis and fake HF API (1 s HF timeout), FakeSlack's Web API,
    the SECRET signing secret and a 5 s daily lease, then the test's `slack_overrides`."""
    values: dict[str, Any] = {
        "hf_timeout_seconds": 1.0,
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SECRET,
        "slack_api_url": fake_slack.api_url,
        "daily_lease_seconds": 5,
    }
    return suite_settings(redis_url, key_prefix, tmp_path, fake_hf, **{**values, **slack_overrides})


@pytest.fixture
async def slack(slack_settings: Settings) -> AsyncIterator[Runtime]:
    """The app in HTTP mode on a free port; the daily loop is driven by the tests themselves."""
    runtime = await start(slack_settings, host="127.0.0.1", port=0, daily=False)
    try:
        yield runtime
    finally:
        await runtime.stop()


@pytest.fixture
async def sender(slack: Runtime, fake_slack: FakeSlack) -> AsyncIterator[SlackSender]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield SlackSender(session, f"http://127.0.0.1:{slack.port}/slack/events", fake_slack)


@pytest.fixture
def papers_today(fake_hf: FakeHF) -> list[dict[str, Any]]:
    """Twelve papers listed today and five yesterday (for listings and daily posts)."""
    items = day_items(today(), 12)
    fake_hf.days[today().isoformat()] = items
    yesterday = today() - timedelta(days=1)
    fake_hf.days[yesterday.isoformat()] = [
        api_item(f"2509.{i:05d}", title=f"Older {i}", upvotes=5, day=yesterday) for i in range(5)
    ]
    return items
