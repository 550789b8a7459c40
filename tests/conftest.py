"""Fixtures shared by the whole suite: the fake HF and Slack APIs, settings and a real State.

Each fixture name in the suite is defined once (tests/README.md says where). A module that needs
`settings` built otherwise marks itself: `pytestmark = pytest.mark.settings_overrides(...)`
(tests/marks.py). Redis comes from tests/redis_server.py (registered below).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.papers import Paper
from bot.settings import Settings, load_settings
from bot.source.hf_client import HFSource
from bot.source.hf_parse import parse_items
from bot.store import State, open_state
from tests.fakes.hf import FakeHF
from tests.fakes.slack_api import FakeSlack
from tests.marks import marked_kwargs

pytest_plugins = ["tests.redis_server"]  # a real redis-server on a free port: redis_url, redis_client

# Real API responses live beside the project (../shared/hf-daily); a user's fresh clone has none.
HF_DAILY_DIR = Path(__file__).resolve().parents[2] / "shared" / "hf-daily"
HF_DAILY_DAYS = sorted(p.stem for p in HF_DAILY_DIR.glob("*.json")) if HF_DAILY_DIR.is_dir() else []

DISCORD_TOKEN = "papers.standin.token"  # the token the Discord stand-in accepts in the app's tests


def load_real_day(day: str) -> list[dict]:
    return json.loads((HF_DAILY_DIR / f"{day}.json").read_text())


@pytest.fixture
def real_days() -> dict[str, list[Paper]]:
    """Every saved real day, parsed; skips the test when ../shared/hf-daily is absent."""
    if not HF_DAILY_DAYS:
        pytest.skip("../shared/hf-daily is not present")
    return {d: parse_items(load_real_day(d), date.fromisoformat(d)) for d in HF_DAILY_DAYS}


@pytest.fixture
def fake_hf() -> Iterator[FakeHF]:
    """A running FakeHF server (tests/fakes/hf.py), listing nothing until a test or folder serves days."""
    with FakeHF() as server:
        yield server


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running FakeSlack server (tests/fakes/slack_api.py): Web API, response_urls, Socket Mode."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def hf_source(fake_hf: FakeHF) -> AsyncIterator[HFSource]:
    """The real HF client on `fake_hf`, failing at once (no retries, a 2 s timeout); closed after."""
    settings = load_settings(None, hf_endpoint=fake_hf.url, hf_max_retries=0, hf_timeout_seconds=2)
    async with HFSource(settings) as source:
        yield source


def suite_settings(
    redis_url: str, key_prefix: str, data_dir: Path, fake_hf: FakeHF, /, **overrides: Any
) -> Settings:
    """Settings for a real State: a test Redis (own key prefix) and the local fake HF API, no
    retries; `overrides` may replace any of these."""
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "redis_key_prefix": key_prefix,
        "papers_data_dir": data_dir,
        "hf_endpoint": fake_hf.url,
        "hf_max_retries": 0,
    }
    return load_settings(None, **{**values, **overrides})


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """What `pytest.mark.settings_overrides(...)` on the test, its class or module asks for."""
    return marked_kwargs(request, "settings_overrides")


@pytest.fixture
def settings(
    redis_url: str, key_prefix: str, fake_hf: FakeHF, tmp_path: Path, settings_overrides: dict[str, Any]
) -> Settings:
    """The suite's settings (`suite_settings`) with a 2 s HF timeout, a 30 s daily lease, a 0.2 s
    daily tick and the Discord stand-in's token, then the test's `settings_overrides`."""
    values: dict[str, Any] = {
        "hf_timeout_seconds": 2.0,
        "daily_lease_seconds": 30,
        "daily_tick_seconds": 0.2,
        "discord_token": DISCORD_TOKEN,
    }
    return suite_settings(redis_url, key_prefix, tmp_path, fake_hf, **{**values, **settings_overrides})


@pytest.fixture
async def state(settings: Settings) -> AsyncIterator[State]:
    """A real State (open_state: Redis + paper cache over the fake HF API), closed after the test."""
    state = await open_state(settings)
    try:
        yield state
    finally:
        await state.aclose()


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    """Gives back the root logger's handlers and level after a test that configures logging."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
