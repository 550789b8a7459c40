"""The real Slack app (adapters.slack.runtime) on a free port, against local fakes only.

Redis is the suite's real server, Hugging Face is tests/fake_hf.py and Slack's Web API, its
response_urls and Socket Mode are tests/adapters/slack/fake_slack.py. Requests are signed the way
Slack signs them (slack_sdk's SignatureVerifier), so Bolt's own verification runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

from adapters.slack.runtime import Runtime, start
from bot.settings import Settings, load_settings
from tests.adapters.slack.fake_slack import FakeSlack
from tests.factories import api_item
from tests.fake_hf import FakeHF

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM, CHANNEL, USER = "T1", "C1", "U1"


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
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack_overrides() -> dict[str, Any]:
    """Override to change settings for one test module or test."""
    return {}


@pytest.fixture
def slack_settings(
    redis_url: str,
    key_prefix: str,
    fake_hf: FakeHF,
    fake_slack: FakeSlack,
    tmp_path: Path,
    slack_overrides: dict[str, Any],
) -> Settings:
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "redis_key_prefix": key_prefix,
        "papers_data_dir": tmp_path,
        "hf_endpoint": fake_hf.url,
        "hf_max_retries": 0,
        "hf_timeout_seconds": 1.0,
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SECRET,
        "slack_api_url": fake_slack.api_url,
        "daily_lease_seconds": 5,
    }
    values.update(slack_overrides)
    return load_settings(None, **values)


@pytest.fixture
async def slack(slack_settings: Settings) -> AsyncIterator[Runtime]:
    """The app in HTTP mode on a free port; the daily loop is driven by the tests themselves."""
    runtime = await start(slack_settings, host="127.0.0.1", port=0, daily=False)
    try:
        yield runtime
    finally:
        await runtime.stop()


@dataclass
class Sent:
    status: int
    seconds: float
    body: str


class SlackSender:
    """Sends requests to the app the way Slack does: form-encoded and signed."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, fake: FakeSlack, secret: str = SECRET
    ) -> None:
        self.session = session
        self.url = url
        self.fake = fake
        self.verifier = SignatureVerifier(secret)
        self._n = 0

    def headers(
        self, body: str, *, timestamp: int | None = None, signature: str | None = None
    ) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or self.verifier.generate_signature(timestamp=stamp, body=body),
        }

    async def post(self, body: str, **kwargs: Any) -> Sent:
        retry = kwargs.pop("retry_num", None)
        headers = self.headers(body, **kwargs)
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        started = time.monotonic()
        async with self.session.post(self.url, data=body.encode(), headers=headers) as response:
            text = await response.text()
            return Sent(response.status, time.monotonic() - started, text)

    def command_body(
        self, text: str, *, name: str, user: str = USER, channel: str = CHANNEL, team: str = TEAM,
        trigger_id: str | None = None,
    ) -> str:  # fmt: skip
        self._n += 1
        return urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": team,
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/papers",
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": self.fake.response_url(name),
                "trigger_id": trigger_id or f"trigger.{self._n}.{time.monotonic_ns()}",
            }
        )

    async def command(self, text: str, *, name: str = "cmd", **kwargs: Any) -> Sent:
        post_kwargs = {k: kwargs.pop(k) for k in ("timestamp", "signature", "retry_num") if k in kwargs}
        return await self.post(self.command_body(text, name=name, **kwargs), **post_kwargs)

    async def click(
        self,
        button: dict[str, Any],
        *,
        name: str,
        user: str = USER,
        channel: str = CHANNEL,
        message_ts: str = "1.1",
        message: dict[str, Any] | None = None,
        team: str = TEAM,
        retry_num: int | None = None,
        body: list[str] | None = None,
    ) -> Sent:
        """Click `button` on an ephemeral message, or on `message` (a message in the channel,
        which Slack sends back with the click). `body` (a list) receives the request body, to
        deliver it again with `post(body, retry_num=1)` as Slack redelivers."""
        self._n += 1
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": team, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": "A1",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": message is None,
            },
            "trigger_id": f"trigger.{self._n}.{time.monotonic_ns()}",
            "channel": {"id": channel, "name": "general"},
            "response_url": self.fake.response_url(name),
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b1",
                    "text": button["text"],
                    "value": button["value"],
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if message is not None:
            payload["message"] = {"type": "message", "ts": message_ts, **message}
        encoded = urlencode({"payload": json.dumps(payload)})
        if body is not None:
            body.append(encoded)
        return await self.post(encoded, retry_num=retry_num)


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
