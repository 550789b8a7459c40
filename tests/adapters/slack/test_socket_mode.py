"""Socket Mode (SLACK_APP_TOKEN set): the same app over a websocket from the fake Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from adapters.slack.runtime import Runtime, start
from bot.settings import ConfigError, Settings
from tests.adapters.slack.conftest import validate_blocks
from tests.fakes.slack_api import FakeSlack, Reply
from tests.fakes.slack_requests import CHANNEL, TEAM, USER

# Socket Mode: an app-level token, and no signing secret needed
pytestmark = pytest.mark.slack_overrides(slack_app_token="xapp-1-test", slack_signing_secret="")


@pytest.fixture
async def socket_app(slack_settings: Settings, fake_slack: FakeSlack) -> AsyncIterator[Runtime]:
    runtime = await start(slack_settings, host="127.0.0.1", port=0, daily=False)
    try:
        await fake_slack.wait_for(lambda: fake_slack.open_sockets == 1)
        yield runtime
    finally:
        await runtime.stop()


def command_envelope(envelope_id: str, text: str, fake: FakeSlack, name: str) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "user_id": USER,
            "command": "/papers",
            "text": text,
            "api_app_id": "A1",
            "response_url": fake.response_url(name),
            "trigger_id": f"trigger.{envelope_id}",
        },
    }


async def test_commands_arrive_over_the_socket_are_acked_and_answered(
    socket_app: Runtime, fake_slack: FakeSlack, papers_today: list
) -> None:
    assert socket_app.config.mode == "socket"
    assert fake_slack.calls_to("apps.connections.open")[0].headers["Authorization"] == "Bearer xapp-1-test"
    fake_slack.socket_send(command_envelope("e1", "top 2", fake_slack, "sock"))
    await fake_slack.wait_for(lambda: any(a.get("envelope_id") == "e1" for a in fake_slack.socket_acks))
    await fake_slack.wait_for(lambda: fake_slack.responses_to("sock"))
    [answer] = fake_slack.responses_to("sock")
    validate_blocks(answer)
    assert answer["response_type"] == "ephemeral" and "Paper 1" in answer["text"]
    # a redelivered envelope (retry_attempt 1) is acked but not answered again
    retry = command_envelope("e2", "top 2", fake_slack, "sock") | {
        "retry_attempt": 1,
        "retry_reason": "timeout",
    }
    retry["payload"]["trigger_id"] = "trigger.e1"
    fake_slack.socket_send(retry)
    await fake_slack.wait_for(lambda: any(a.get("envelope_id") == "e2" for a in fake_slack.socket_acks))
    fake_slack.socket_send(command_envelope("e3", "help", fake_slack, "later"))
    await fake_slack.wait_for(lambda: fake_slack.responses_to("later"))
    assert len(fake_slack.responses_to("sock")) == 1


async def test_the_watchdog_reconnects_when_the_client_stopped_watching(
    socket_app: Runtime, fake_slack: FakeSlack
) -> None:
    """bolt-python #417: the client's own monitor and receiver die, then the connection drops."""
    runner = socket_app.socket
    assert runner is not None and await runner.check()
    client = runner.handler.client  # type: ignore[union-attr]
    for task in (client.current_session_monitor, client.message_receiver, client.message_processor):
        task.cancel()  # type: ignore[union-attr]
    await asyncio.sleep(0.05)
    fake_slack.socket_drop()
    await fake_slack.wait_for(lambda: fake_slack.open_sockets == 0)
    assert not await runner.check()  # nothing in the client noticed; the watchdog does
    await runner.watch_once()  # first unhealthy check: wait and see
    assert runner.reconnects == 0
    await runner.watch_once()  # second in a row: a new connection
    await fake_slack.wait_for(lambda: fake_slack.open_sockets == 1)
    assert runner.reconnects == 1 and runner.healthy and fake_slack.socket_connections == 2
    assert len(fake_slack.calls_to("apps.connections.open")) == 2  # a fresh wss URL
    fake_slack.socket_send(command_envelope("after", "help", fake_slack, "after"))
    await fake_slack.wait_for(lambda: fake_slack.responses_to("after"))  # the restarted processor runs


async def test_healthz_and_metrics_in_socket_mode(slack_settings: Settings, fake_slack: FakeSlack) -> None:
    runtime = await start(slack_settings, host="127.0.0.1", port=0, daily=False)
    try:
        assert runtime.server is not None
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{runtime.port}/healthz") as response:
                health = await response.json()
                assert response.status == 200 and health["socket_mode"]["connected"] is True
                assert health["mode"] == "socket" and health["status"] == "ok"
            async with session.post(f"http://127.0.0.1:{runtime.port}/slack/events") as response:
                assert response.status == 404  # Socket Mode serves no request URL
    finally:
        await runtime.stop()


async def test_a_rejected_app_token_is_a_clear_error(slack_settings: Settings, fake_slack: FakeSlack) -> None:
    fake_slack.fail("apps.connections.open", Reply.error("invalid_auth"))
    with pytest.raises(ConfigError, match=r"SLACK_APP_TOKEN was rejected by Slack \(invalid_auth\)"):
        await start(slack_settings, host="127.0.0.1", port=0, daily=False)
    assert fake_slack.socket_connections == 0
