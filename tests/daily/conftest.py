"""Engine fixtures: the engine on the suite's `state`, recent list days, and recording sends.

The lists come over HTTP from the fake HF API (`fake_hf`, tests/fakes/hf.py), which lists the week up
to TODAY in every test here (`serve_week`); `serve(fake_hf, {day: papers})` lists more Papers there
as the API's JSON. `sink` is a recording platform (tests/fakes/platform.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.daily import ChannelGone, DailyEngine, DeliveryFailed
from bot.papers import Paper
from bot.settings import Settings
from bot.store import State
from tests.factories import api_items, make_paper
from tests.fakes.hf import FakeHF
from tests.fakes.platform import Sink

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


@pytest.fixture(autouse=True)
def serve_week(fake_hf: FakeHF) -> None:
    """The fake HF API lists ten papers (`papers_of`) on each of the seven days up to TODAY."""
    serve(fake_hf, {TODAY - timedelta(days=i): papers_of(TODAY - timedelta(days=i)) for i in range(7)})


@pytest.fixture
def engine_settings(settings: Settings) -> Settings:
    """The engine's settings: the suite's `settings` (a 30 s lease, a 2 s HF timeout, no HF retries)."""
    return settings


@pytest.fixture
def engine(state: State) -> DailyEngine:
    return DailyEngine(state)


@pytest.fixture
def sink() -> Sink:
    return Sink()


__all__ = ["TODAY", "ChannelGone", "DeliveryFailed", "at", "papers_of", "serve"]
