"""Small pieces of the Slack adapter on their own: jobs, permissions cache, error mapping, manifest."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.jobs import Jobs
from adapters.slack.listeners.commands import COMMAND
from adapters.slack.permissions import Permissions, PermissionUnknown
from adapters.slack.webapi import CHANNEL_GONE, delivery_error, retry_after
from bot.daily.errors import ChannelGone, DeliveryFailed
from tests.fakes.slack_api import FakeSlack, Reply

MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest.yml"


async def test_a_failing_job_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    jobs = Jobs(quiet=0)

    async def boom() -> None:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR):
        await jobs.start(boom(), name="the job")
    assert jobs.failed == 1 and "the job failed" in caplog.text and jobs.running == 0


async def test_jobs_wait_for_requests_to_pause_but_not_forever() -> None:
    jobs = Jobs(quiet=0.05, max_defer=0.3)
    started: list[float] = []

    async def job() -> None:
        started.append(time.monotonic())

    t0 = time.monotonic()
    jobs.note_request()
    task = jobs.start(job(), name="after a burst")
    await asyncio.sleep(0.03)
    jobs.note_request()  # still coming in: wait on
    await task
    assert started[0] - t0 >= 0.03 + 0.05 * 0.9
    # a steady stream of requests delays answers by at most max_defer
    t0 = time.monotonic()
    task = jobs.start(job(), name="under load")
    while not task.done():
        jobs.note_request()
        await asyncio.sleep(0.005)
    assert 0.25 <= started[1] - t0 < 0.6


async def test_slow_jobs_time_out_and_drain_cancels_what_is_left() -> None:
    jobs = Jobs(quiet=0, timeout=0.05)
    await jobs.start(asyncio.sleep(5), name="slow")
    assert jobs.failed == 1
    jobs = Jobs(quiet=0)
    jobs.start(asyncio.sleep(5), name="left over")
    await asyncio.sleep(0)
    await jobs.drain(grace=0.05)
    assert jobs.running == 0


def web_client(fake_slack: FakeSlack, timeout: int = 5) -> AsyncWebClient:
    """The real Web API client on the local fake Slack (tests/fakes/slack_api.py)."""
    return AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url, timeout=timeout)


async def test_permissions_cache_expires(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("UA", admin=True)
    fake_slack.add_user("UM")
    now = [0.0]
    permissions = Permissions(web_client(fake_slack), "admins", ttl=60, clock=lambda: now[0])
    assert await permissions.can_manage("T1", "UA") and not await permissions.can_manage("T1", "UM")
    assert await permissions.can_manage("T1", "UA") and len(fake_slack.calls_to("users.info")) == 2
    now[0] = 61
    assert await permissions.can_manage("T1", "UA") and len(fake_slack.calls_to("users.info")) == 3
    assert await Permissions(web_client(fake_slack), "anyone").can_manage("T1", "UM")
    assert len(fake_slack.calls_to("users.info")) == 3  # `anyone` never asks Slack
    with pytest.raises(ValueError):
        Permissions(web_client(fake_slack), "everyone")


async def test_permissions_refuse_when_slack_fails(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("UY", admin=True)
    fake_slack.fail("users.info", Reply.ratelimited())
    with pytest.raises(PermissionUnknown, match="ratelimited"):
        await Permissions(web_client(fake_slack), "admins").can_manage("T1", "UY")
    with socket.socket() as closed:  # a port nothing listens on: Slack does not answer
        closed.bind(("127.0.0.1", 0))
        unreachable = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"
    permissions = Permissions(AsyncWebClient(token="xoxb-test", base_url=unreachable, timeout=2), "admins")
    with pytest.raises(PermissionUnknown, match="Slack did not answer"):
        await permissions.can_manage("T1", "UY")


class Response(dict):  # type: ignore[type-arg]
    def __init__(
        self, data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(data)
        self.status_code = status
        self.headers = headers or {}


def test_delivery_error_mapping() -> None:
    def error(code: str, status: int = 200, headers: dict[str, str] | None = None) -> SlackApiError:
        return SlackApiError(code, Response({"ok": False, "error": code}, status, headers))

    for code in CHANNEL_GONE:
        gone = delivery_error(error(code))
        assert isinstance(gone, ChannelGone) and len(gone.reason) < 100
    limited = delivery_error(error("ratelimited", 429, {"Retry-After": "42"}))
    assert isinstance(limited, DeliveryFailed) and limited.retry_after == 42
    assert isinstance(delivery_error(error("invalid_auth")), DeliveryFailed)
    assert "503" in delivery_error(error("", 503)).reason
    assert "timeout" in delivery_error(TimeoutError()).reason
    assert "network" in delivery_error(ConnectionResetError("reset")).reason
    assert retry_after({"retry-after": ["3"]}) == 3 and retry_after({"Retry-After": "soon"}) is None


def test_the_manifest_matches_the_app() -> None:
    text = MANIFEST.read_text()
    assert f"- command: {COMMAND}\n" in text
    scopes = set(re.findall(r"^\s+- ([a-z:.]+)", text.split("scopes:")[1].split("settings:")[0], re.M))
    assert {"commands", "chat:write", "chat:write.public", "users:read"} <= scopes
    assert re.search(r"interactivity:\n\s+is_enabled: true", text)
    assert re.search(r"^\s+socket_mode_enabled: (true|false)$", text, re.M)
    assert "\t" not in text
