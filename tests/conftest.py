"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.papers import Paper
from bot.settings import Settings, load_settings
from bot.source.hf_client import HFSource
from bot.source.hf_parse import parse_items
from bot.store import State, open_state

pytest_plugins = ["tests.redis_server"]  # a real redis-server on a free port: redis_url, redis_client

# Real API responses live beside the project (../shared/hf-daily); a user's fresh clone has none.
HF_DAILY_DIR = Path(__file__).resolve().parents[2] / "shared" / "hf-daily"
HF_DAILY_DAYS = sorted(p.stem for p in HF_DAILY_DIR.glob("*.json")) if HF_DAILY_DIR.is_dir() else []


def load_real_day(day: str) -> list[dict]:
    return json.loads((HF_DAILY_DIR / f"{day}.json").read_text())


@pytest.fixture
def real_days() -> dict[str, list[Paper]]:
    """Every saved real day, parsed; skips the test when ../shared/hf-daily is absent."""
    if not HF_DAILY_DAYS:
        pytest.skip("../shared/hf-daily is not present")
    return {d: parse_items(load_real_day(d), date.fromisoformat(d)) for d in HF_DAILY_DAYS}


@pytest.fixture
def fake_hf():
    """A running FakeHF server (tests/fake_hf.py)."""
    from tests.fake_hf import FakeHF

    with FakeHF() as server:
        yield server


@pytest.fixture
async def hf_source(fake_hf) -> AsyncIterator[HFSource]:
    """The real HF client on `fake_hf`, failing at once (no retries, a 2 s timeout); closed after."""
    settings = load_settings(None, hf_endpoint=fake_hf.url, hf_max_retries=0, hf_timeout_seconds=2)
    async with HFSource(settings) as source:
        yield source


def suite_settings(redis_url: str, key_prefix: str, data_dir: Path, fake_hf, **overrides: Any) -> Settings:
    """Settings for a real State: a test Redis (own key prefix) and the local fake HF API, no retries."""
    return load_settings(
        None,
        redis_url=redis_url,
        redis_key_prefix=key_prefix,
        papers_data_dir=data_dir,
        hf_endpoint=fake_hf.url,
        hf_max_retries=0,
        **overrides,
    )


@pytest.fixture
def settings(redis_url: str, key_prefix: str, fake_hf, tmp_path: Path) -> Settings:
    return suite_settings(redis_url, key_prefix, tmp_path, fake_hf)


@pytest.fixture
async def state(settings: Settings) -> AsyncIterator[State]:
    """A real State (Redis + paper cache over the fake HF API), closed after the test."""
    state = await open_state(settings)
    try:
        yield state
    finally:
        await state.aclose()
