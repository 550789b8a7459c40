"""`papers-bot doctor` against local stand-ins of every service: what works, what is wrong, how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.doctor import report, run_checks
from bot.settings import Settings, load_settings
from bot.store.embedded import free_port
from tests.factories import api_item
from tests.fakes.discord_api import DiscordStandIn, point_discord_py
from tests.fakes.hf import FakeHF, Fault
from tests.fakes.slack_api import FakeSlack, Reply

TOKEN = "doctor.standin.token"


def configured(base: dict, **overrides: object) -> Settings:
    return load_settings(None, **{**base, **overrides})


@pytest.fixture
def base(redis_url: str, fake_hf: FakeHF, fake_slack: FakeSlack, tmp_path: Path) -> dict:
    return {
        "redis_url": redis_url,
        "papers_data_dir": tmp_path,
        "hf_endpoint": fake_hf.url,
        "slack_bot_token": "xoxb-doctor",
        "slack_signing_secret": "s" * 32,
        "slack_api_url": fake_slack.api_url,
        "discord_token": TOKEN,
    }


async def test_everything_configured_works(base: dict, fake_hf: FakeHF) -> None:
    from datetime import UTC, datetime

    today = datetime.now(UTC).date()
    fake_hf.days[today.isoformat()] = [api_item("2510.00001", day=today)]
    async with DiscordStandIn(token=TOKEN) as discord:
        with point_discord_py(discord.api_url, discord.gateway_url):
            checks = await run_checks(configured(base, discord_api_url=discord.api_url))
    by_name = {c.name: c for c in checks}
    assert all(c.ok for c in checks), [c.line() for c in checks]
    assert "1 papers listed today" in by_name["Hugging Face API"].detail
    assert by_name["Slack bot token"].detail.startswith("@papers in workspace Test")
    assert by_name["Discord bot token"].detail.startswith("logged in as")
    assert "Redis 7" in by_name["Redis"].detail or "Redis 6" in by_name["Redis"].detail
    assert report(checks) == ("\n".join(c.line() for c in checks) + "\n\nEverything configured works.", 0)


async def test_each_problem_is_named_with_its_fix(base: dict, fake_hf: FakeHF, fake_slack: FakeSlack) -> None:
    fake_hf.fail(*[Fault(503)] * 4)
    fake_slack.fail("auth.test", Reply.error("invalid_auth"))
    async with DiscordStandIn(token="the.right.token") as discord:
        with point_discord_py(discord.api_url, discord.gateway_url):
            checks = await run_checks(
                configured(
                    base,
                    redis_url=f"redis://127.0.0.1:{free_port()}",
                    discord_api_url=discord.api_url,
                    slack_signing_secret=None,
                )
            )
    text, status = report(checks)
    assert status == 1 and text.endswith("5 problem(s) found.")
    assert "FAIL Redis" in text and "fix: start Redis or correct REDIS_URL" in text
    assert "FAIL Hugging Face API" in text and "HTTP 503" in text
    assert "FAIL Slack bot token: Slack refused SLACK_BOT_TOKEN (invalid_auth)" in text
    assert "SLACK_SIGNING_SECRET is missing" in text
    assert "FAIL Discord bot token: Discord refused DISCORD_TOKEN (401)" in text
    assert "xoxb-doctor" not in text and TOKEN not in text


async def test_unconfigured_platforms_are_skipped_not_failed(base: dict) -> None:
    checks = await run_checks(configured(base, slack_bot_token=None, discord_token=None))
    skipped = [c for c in checks if c.ok is None]
    assert {c.name for c in skipped} == {"Slack", "Discord"}
    assert report(checks)[1] == 0
