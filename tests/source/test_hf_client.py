"""The HF client against a local HTTP server on a real socket, well-behaved and not."""

from __future__ import annotations

import time
from datetime import date

import pytest

from bot import __version__
from bot.settings import load_settings
from bot.source import HFSource, SourceUnavailable
from bot.source.hf_client import RESET_JITTER
from tests.conftest import HF_DAILY_DAYS, load_real_day
from tests.factories import api_item
from tests.fakes.hf import FakeHF, Fault

DAY = date(2025, 10, 15)


class RecordingSleep:
    """Virtual time: records the waits the client asks for and moves its clock on instead of
    spending them (`clock` starts at the real time, so HTTP-dates keep their meaning)."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.now = time.time()

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def source(fake: FakeHF, sleep: RecordingSleep | None = None, **overrides: object) -> HFSource:
    settings = load_settings(env_file=None, hf_endpoint=fake.url, **overrides)
    sleep = sleep or RecordingSleep()
    return HFSource(settings, sleep=sleep, clock=sleep.clock)


@pytest.mark.skipif(not HF_DAILY_DAYS, reason="../shared/hf-daily is not present")
async def test_fetches_every_real_day(fake_hf: FakeHF) -> None:
    for day in HF_DAILY_DAYS:
        fake_hf.days[day] = load_real_day(day)
    async with source(fake_hf) as hf:
        for day in HF_DAILY_DAYS:
            papers = await hf.fetch_day(date.fromisoformat(day))
            assert len(papers) == len(load_real_day(day))
            assert [p.upvotes for p in papers] == sorted((p.upvotes for p in papers), reverse=True)


async def test_pages_through_a_busy_day(fake_hf: FakeHF) -> None:
    fake_hf.days[DAY.isoformat()] = [api_item(f"2510.{i:05d}", upvotes=500 - i) for i in range(120)]
    pages: list[tuple[int, int]] = []
    async with source(fake_hf) as hf:
        papers = await hf.fetch_day(DAY, progress=lambda page, n: pages.append((page, n)))
    assert len(papers) == 120 and len({p.id for p in papers}) == 120
    assert [r["query"] for r in fake_hf.requests] == [
        {"date": "2025-10-15", "limit": "100", "p": "0"},
        {"date": "2025-10-15", "limit": "100", "p": "1"},
    ]
    assert pages == [(1, 100), (2, 120)]
    assert fake_hf.requests[0]["user_agent"].startswith(f"papers-bot/{__version__}")
    assert fake_hf.requests[0]["authorization"] is None  # anonymous unless HF_TOKEN is set


async def test_exactly_one_full_page_asks_once_more(fake_hf: FakeHF) -> None:
    fake_hf.days[DAY.isoformat()] = [api_item(f"2510.{i:05d}") for i in range(100)]
    async with source(fake_hf) as hf:
        assert len(await hf.fetch_day(DAY)) == 100
    assert len(fake_hf.requests) == 2


async def test_empty_day_is_an_empty_list(fake_hf: FakeHF) -> None:
    async with source(fake_hf) as hf:
        assert await hf.fetch_day(date(2025, 10, 18)) == []


async def test_429_waits_for_retry_after_then_succeeds(fake_hf: FakeHF) -> None:
    fake_hf.days[DAY.isoformat()] = [api_item()]
    fake_hf.fail(Fault(429, headers={"Retry-After": "7"}), Fault(503))
    sleep = RecordingSleep()
    async with source(fake_hf, sleep) as hf:
        assert len(await hf.fetch_day(DAY)) == 1
    assert 7.0 <= sleep.delays[0] <= 7.0 + RESET_JITTER
    assert 0 <= sleep.delays[1] <= 1.0  # jittered backoff, second attempt: base 0.5 * 2
    assert len(fake_hf.requests) == 3


async def test_backoff_is_capped_and_failure_is_one_clear_exception(fake_hf: FakeHF) -> None:
    fake_hf.fail(*[Fault(500)] * 11)
    sleep = RecordingSleep()
    async with source(fake_hf, sleep, hf_max_retries=10) as hf:
        with pytest.raises(SourceUnavailable, match=r"HTTP 500.*11 attempts"):
            await hf.fetch_day(DAY)
    assert len(sleep.delays) == 10 and max(sleep.delays) <= 30.0


async def test_hang_past_timeout_is_retried(fake_hf: FakeHF) -> None:
    fake_hf.days[DAY.isoformat()] = [api_item()]
    fake_hf.fail(Fault(200, body="[]", delay=2.0))
    async with source(fake_hf, hf_timeout_seconds=0.3) as hf:
        assert len(await hf.fetch_day(DAY)) == 1


async def test_malformed_json_is_retried_then_reported(fake_hf: FakeHF) -> None:
    fake_hf.fail(Fault(200, body="[{not json"), Fault(200, body='{"error": "shape"}'))
    async with source(fake_hf, hf_max_retries=1) as hf:
        with pytest.raises(SourceUnavailable, match="unexpected response shape"):
            await hf.fetch_day(DAY)


async def test_client_errors_are_not_retried(fake_hf: FakeHF) -> None:
    fake_hf.fail(Fault(400, body='{"error": "Invalid date"}'))
    sleep = RecordingSleep()
    async with source(fake_hf, sleep) as hf:
        with pytest.raises(SourceUnavailable, match="HTTP 400"):
            await hf.fetch_day(DAY)
    assert sleep.delays == [] and len(fake_hf.requests) == 1


async def test_unreachable_server_is_source_unavailable() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = load_settings(env_file=None, hf_endpoint=f"http://127.0.0.1:{port}", hf_max_retries=2)
    async with HFSource(settings, sleep=RecordingSleep()) as hf:
        with pytest.raises(SourceUnavailable, match="connection failed"):
            await hf.fetch_day(DAY)


async def test_token_is_sent_when_configured(fake_hf: FakeHF) -> None:
    async with source(fake_hf, hf_token="hf_secret") as hf:
        await hf.fetch_day(DAY)
    assert fake_hf.requests[0]["authorization"] == "Bearer hf_secret"
