"""The real `papers-bot discord` process, configured only by its environment, against the stand-in."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.settings import Settings
from bot.store import State
from bot.store.embedded import free_port
from tests.adapters.discord.conftest import (
    EPHEMERAL,
    MEMBER,
    PAPERS,
    PAPERS_REF,
    TOKEN,
    answer,
    command,
    day_items,
)
from tests.fakes.discord_api import DiscordStandIn
from tests.fakes.hf import FakeHF

pytestmark = [pytest.mark.timeout(40), pytest.mark.slow]


async def test_the_bot_process_answers_commands_and_makes_the_daily_post(
    standin: DiscordStandIn, settings: Settings, state: State, fake_hf: FakeHF, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    for back in range(3):
        day = today - timedelta(days=back)
        fake_hf.days[day.isoformat()] = day_items(day, 4)
    await state.subscriptions.subscribe(PAPERS_REF, by="discord:1")
    await state.subscriptions.set_time(PAPERS_REF, "00:00", "UTC", by="discord:1")  # due all day, UTC

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "REDIS_", "HF_", "DAILY_"))}
    env.update(
        standin.env(),
        DISCORD_TOKEN=TOKEN,
        REDIS_URL=str(settings.redis_url),
        REDIS_KEY_PREFIX=settings.redis_key_prefix,
        PAPERS_DATA_DIR=str(tmp_path),
        HF_ENDPOINT=fake_hf.url,
        HF_MAX_RETRIES="0",
        DAILY_TICK_SECONDS="0.5",
        PORT=str(port),
        LOG_FORMAT="json",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "discord",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        post = await standin.wait_for(f"POST /channels/{PAPERS}/messages", timeout=20)
        assert post.status == 200 and post.json["enforce_nonce"] is True and len(post.json["nonce"]) == 24
        assert len(post.json["embeds"]) == 5  # the default count, from the last days pooled

        status = await answer(await command(standin, "status", channel_id=PAPERS))
        assert "Last post" in status["content"] and status["flags"] & EPHEMERAL
        refused = await answer(await command(standin, "pause", channel_id=PAPERS, permissions=MEMBER))
        assert refused["flags"] & EPHEMERAL and "Manage Channels" in refused["content"]
        assert not (await state.subscriptions.get(PAPERS_REF)).paused

        await asyncio.sleep(1.2)  # a few more passes: still one post
        assert len(standin.message_creates(PAPERS)) == 1

        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as resp:
            health = await resp.json()
        assert resp.status == 200 and health["redis"]["ok"] and health["daily"]["last_error"] is None
        assert health["daily"]["last_run_at"] is not None

        proc.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(proc.communicate(), 10)
        log = output.decode()
        assert proc.returncode == 0, log
        assert "Traceback" not in log and TOKEN not in log  # secrets are redacted
        assert any('"daily pass"' in line for line in log.splitlines())  # JSON lines
        assert standin.identifies and standin.identifies[0]["token"] == TOKEN
        assert [r for r in standin.requests if r.route and "commands" in r.route] == []  # no sync on start
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
