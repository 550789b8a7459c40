"""Engine fixtures: a State on the suite's Redis, recent list days, and recording sends.

The lists come over HTTP from the fake HF API (`fake_hf`, tests/fake_hf.py) through the real HFSource
(`hf_source`); `serve(fake_hf, {day: papers})` lists Papers there as the API's JSON.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from redis.asyncio import Redis

from bot.daily import ChannelGone, DailyEngine, Delivery, DeliveryFailed
from bot.papers import Paper
from bot.settings import Settings
from bot.source.hf_client import HFSource
from bot.store import State, build_state
from bot.store.scripts import load_scripts
from tests.conftest import suite_settings
from tests.factories import api_items, make_paper
from tests.fake_hf import FakeHF

TODAY = date(2025, 10, 15)  # a Wednesday


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def papers_of(day: date, n: int = 10, *, titles: dict[int, str] | None = None) -> list[Paper]:
    """`n` papers listed on `day`, most upvoted first; ids 2510.DDNNN."""
    titles = titles or {}
    return [
        make_paper(
            f"{day:%y%m}.{day.day:02d}{i:03d}",
            day=day,
            upvotes=100 - i,
            title=titles.get(i, f"Paper {i} of {day}"),
        )
        for i in range(n)
    ]


def serve(fake_hf: FakeHF, lists: dict[date, list[Paper]]) -> None:
    """List these papers on these days in the fake HF API (other days are left as they are)."""
    fake_hf.days.update({day.isoformat(): api_items(papers) for day, papers in lists.items()})


class Sink:
    """A platform that records every send; can fail, vanish or be slow on demand."""

    def __init__(self) -> None:
        self.sent: list[Delivery] = []
        self.fail_with: Exception | None = None
        self.fail_times = 0

    async def __call__(self, delivery: Delivery) -> str:
        if self.fail_with is not None and self.fail_times != 0:
            self.fail_times -= 1
            raise self.fail_with
        self.sent.append(delivery)
        return f"msg-{len(self.sent)}"

    def fail(self, error: Exception, times: int = -1) -> None:
        self.fail_with, self.fail_times = error, times

    def by_channel(self) -> dict[str, list[Delivery]]:
        out: dict[str, list[Delivery]] = {}
        for d in self.sent:
            out.setdefault(d.channel.tag, []).append(d)
        return out


@pytest.fixture
def fake_hf(fake_hf: FakeHF) -> FakeHF:
    """The suite's fake HF API, listing ten papers (`papers_of`) on each of the seven days up to TODAY."""
    serve(fake_hf, {TODAY - timedelta(days=i): papers_of(TODAY - timedelta(days=i)) for i in range(7)})
    return fake_hf


@pytest.fixture
def engine_settings(redis_url: str, key_prefix: str, tmp_path, fake_hf: FakeHF) -> Settings:
    return suite_settings(
        redis_url,
        key_prefix,
        tmp_path,
        fake_hf,
        hf_timeout_seconds=2,
        daily_lease_seconds=30,
        daily_retry_base_seconds=60,
    )


@pytest.fixture
async def state(redis_client: Redis, engine_settings: Settings, hf_source: HFSource) -> AsyncIterator[State]:
    await load_scripts(redis_client)
    yield build_state(redis_client, engine_settings, hf_source.fetch_day)


@pytest.fixture
def engine(state: State) -> DailyEngine:
    return DailyEngine(state)


@pytest.fixture
def sink() -> Sink:
    return Sink()


__all__ = ["TODAY", "ChannelGone", "DeliveryFailed", "Sink", "at", "papers_of", "serve"]
