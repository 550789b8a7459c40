"""The real HF client against the local fake rate-limiting as HF does: it comes back at the reset.

Real time, short windows (1 s): each request's arrival is measured at the fake.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from datetime import date, timedelta
from email.utils import formatdate
from typing import Any

import pytest

from bot.settings import load_settings
from bot.source import HFSource, SourceUnavailable
from bot.source.hf_client import DEFAULT_LIMIT_WAIT, MIN_LIMIT_WAIT, RESET_JITTER
from bot.source.rate_limit import MAX_SERVER_WAIT
from tests.factories import api_item
from tests.fakes.hf import HEADER_STYLES, REFUSAL_ONLY, FakeHF, Fault, Window
from tests.source.test_hf_client import RecordingSleep

DAYS = [date(2025, 10, 14), date(2025, 10, 15), date(2025, 10, 16)]
HF_429 = {"RateLimit": '"api";r=0;t=1', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
SLACK = 0.6  # RESET_JITTER and the time a request takes on a busy machine


def hf_source(fake: FakeHF, **kwargs: object) -> HFSource:
    return HFSource(load_settings(env_file=None, hf_endpoint=fake.url), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def serve_days(fake_hf: FakeHF) -> None:
    """The fake HF API lists one paper on each of DAYS."""
    for day in DAYS:
        fake_hf.days[day.isoformat()] = [api_item(f"2510.{day.day:02d}001", day=day)]


@pytest.mark.parametrize(
    "fault",
    [
        Fault(429, headers=HF_429),  # HF's own answer: no Retry-After
        Fault(503, headers={"Retry-After": "1"}),
        Fault(503, headers={"RateLimit": '"api";r=0;t=1'}),
    ],
    ids=["hf-429", "503-retry-after", "503-ratelimit"],
)
async def test_the_next_request_comes_at_the_reset(fake_hf: FakeHF, fault: Fault) -> None:
    """The issue's case (HF's headers, with t=1 for speed), and a 503 that says when to come back.
    The other header forms: test_a_fixed_window_is_never_hit_twice."""
    fake_hf.fail(fault)
    async with hf_source(fake_hf) as hf:
        assert len(await hf.fetch_day(DAYS[0])) == 1
    first, second = fake_hf.requests
    assert first["status"] == fault.status and second["status"] == 200
    assert 1.0 <= second["at"] - first["at"] <= 1.0 + SLACK


async def test_retry_after_as_an_http_date_is_waited_for(fake_hf: FakeHF) -> None:
    back = math.ceil(time.time()) + 1
    fake_hf.fail(Fault(429, headers={"Retry-After": formatdate(back, usegmt=True)}))
    async with hf_source(fake_hf) as hf:
        await hf.fetch_day(DAYS[0])
    assert len(fake_hf.requests) == 2
    assert back <= time.time() - (time.monotonic() - fake_hf.requests[1]["at"]) <= back + SLACK


@pytest.mark.parametrize("style", list(HEADER_STYLES))
async def test_a_fixed_window_is_never_hit_twice(fake_hf: FakeHF, style: str) -> None:
    """One request per 1 s window: the second day waits for the reset. Where the answers say the
    quota is used up (`r=0` on a 200), it waits without a 429; otherwise one 429 tells it."""
    fake_hf.rate_limit = Window(quota=1, seconds=1.0, style=style)
    async with hf_source(fake_hf) as hf:
        for day in DAYS[:2]:
            assert len(await hf.fetch_day(day)) == 1
    ends = fake_hf.requests[0]["at"] + 1.0
    too_early = [r for r in fake_hf.requests[1:] if r["at"] < ends]
    assert len(too_early) == (1 if style in REFUSAL_ONLY else 0), fake_hf.requests
    whole_seconds = style in ("retry-after-date", "x-ratelimit-unix-time")  # a moment, rounded up
    rounding = 1.0 if whole_seconds else 0.0
    assert fake_hf.requests[-1]["at"] - ends <= SLACK + rounding


async def test_a_limit_learned_by_one_fetch_holds_back_the_others(fake_hf: FakeHF) -> None:
    fake_hf.fail(Fault(429, headers=HF_429))
    async with hf_source(fake_hf) as hf:
        first = asyncio.create_task(hf.fetch_day(DAYS[0]))
        await asyncio.sleep(0.2)  # the 429 is in; now two more days are asked for
        await asyncio.gather(first, hf.fetch_day(DAYS[1]), hf.fetch_day(DAYS[2]))
    limited, *later = fake_hf.requests
    assert limited["status"] == 429 and len(later) == 3
    assert all(1.0 <= r["at"] - limited["at"] <= 1.0 + SLACK for r in later), later
    assert fake_hf.limited() == [limited]


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "86400"},
        {"Retry-After": "Fri, 31 Dec 2999 23:59:59 GMT"},
        {"RateLimit": '"api";r=0;t=999999'},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999"},
    ],
)
async def test_a_huge_wait_is_capped_and_not_slept_in_the_fetch(fake_hf: FakeHF, headers: dict) -> None:
    """No hours of sleeping: the fetch ends at once saying when to come back (at most 300 s on)."""
    fake_hf.fail(Fault(429, headers=headers))
    started = time.time()
    async with hf_source(fake_hf) as hf, asyncio.timeout(5):
        with pytest.raises(SourceUnavailable, match="come back at") as caught:
            await hf.fetch_day(DAYS[0])
        assert hf.limited_until == caught.value.retry_at
        with pytest.raises(SourceUnavailable, match="asked us to wait until"):
            await hf.fetch_day(DAYS[1])  # still limited: not even asked
    assert time.time() - started < 2 and len(fake_hf.requests) == 1
    retry_at = caught.value.retry_at
    assert retry_at is not None
    assert started + MAX_SERVER_WAIT - 1 <= retry_at.timestamp() <= time.time() + MAX_SERVER_WAIT


async def test_a_limit_longer_than_max_wait_ends_the_fetch_at_once(fake_hf: FakeHF) -> None:
    fake_hf.fail(Fault(429, headers={"RateLimit": '"api";r=0;t=2'}))
    async with hf_source(fake_hf, max_wait=0.5) as hf:
        started = time.time()
        with pytest.raises(SourceUnavailable) as caught:
            await hf.fetch_day(DAYS[0])
        assert time.time() - started < 0.5
        assert caught.value.retry_at is not None
        assert 1.5 <= caught.value.retry_at.timestamp() - started <= 2.5
        await asyncio.sleep(1.6)  # now the rest of the limit fits in max_wait: waited out
        assert len(await hf.fetch_day(DAYS[0])) == 1
    assert [r["status"] for r in fake_hf.requests] == [429, 200]
    assert fake_hf.requests[1]["at"] - fake_hf.requests[0]["at"] >= 2.0


NO_MOMENT_AHEAD = {
    "no-headers": {},
    "retry-after-0": {"Retry-After": "0"},
    "retry-after-past-date": {"Retry-After": "Sat, 28 Nov 2026 23:48:42 GMT"},
    "ratelimit-t0": {"RateLimit": '"api";r=0;t=0', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'},
    "retry-after-negative": {"Retry-After": "-5"},
    "retry-after-huge-number": {"Retry-After": "1e999"},
    "retry-after-word": {"Retry-After": "soon"},
    "ratelimit-negative": {"RateLimit": '"api";r=0;t=-3'},
    "ratelimit-too-long": {"RateLimit": '"api";r=0;t=99999999999999999'},
    "ratelimit-garbage": {"RateLimit": "garbage;;"},
    "x-ratelimit-nan": {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "nan"},
}


@pytest.mark.parametrize("headers", list(NO_MOMENT_AHEAD.values()), ids=list(NO_MOMENT_AHEAD))
async def test_a_429_naming_no_moment_ahead_holds_back_and_the_wait_grows(
    fake_hf: FakeHF, headers: dict
) -> None:
    """Review of issue 10 kind 3: such a 429 meant a 0 s wait (or the 0.5 s full-jitter backoff),
    so requests came in bursts. Now: the default wait, doubling with each 429 in a row; a success
    ends the streak."""
    fake_hf.fail(*[Fault(429, headers=headers)] * 3)
    sleep = RecordingSleep()
    async with HFSource(
        load_settings(env_file=None, hf_endpoint=fake_hf.url), sleep=sleep, clock=sleep.clock
    ) as hf:
        assert len(await hf.fetch_day(DAYS[0])) == 1
        fake_hf.fail(Fault(429, headers=headers))
        assert len(await hf.fetch_day(DAYS[1])) == 1
    assert [r["status"] for r in fake_hf.requests] == [429, 429, 429, 200, 429, 200]
    expected = [1, 2, 4, 1]  # times DEFAULT_LIMIT_WAIT: the fourth 429 follows a success
    assert len(sleep.delays) == len(expected)
    for delay, times in zip(sleep.delays, expected, strict=True):
        assert times * DEFAULT_LIMIT_WAIT <= delay <= times * DEFAULT_LIMIT_WAIT + RESET_JITTER, sleep.delays


@pytest.mark.parametrize("headers", list(NO_MOMENT_AHEAD.values())[:4], ids=list(NO_MOMENT_AHEAD)[:4])
async def test_a_429_naming_no_moment_ahead_is_remembered(fake_hf: FakeHF, headers: dict) -> None:
    """HF refusing every request: one request, then the client knows it is limited for the default
    wait and asks nothing more (a fetch that may not wait that long ends at once with `retry_at`)."""
    fake_hf.refuse = Fault(429, headers=headers)
    sleep = RecordingSleep()
    settings = load_settings(env_file=None, hf_endpoint=fake_hf.url)
    async with HFSource(settings, sleep=sleep, clock=sleep.clock, max_wait=5) as hf:
        with pytest.raises(SourceUnavailable, match="come back at") as caught:
            await hf.fetch_day(DAYS[0])
        with pytest.raises(SourceUnavailable, match="asked us to wait until"):
            await hf.fetch_day(DAYS[1])
    assert len(fake_hf.requests) == 1 and sleep.delays == []
    assert caught.value.retry_at is not None and hf.limited_until == caught.value.retry_at
    assert caught.value.retry_at.timestamp() - sleep.now == pytest.approx(DEFAULT_LIMIT_WAIT, abs=0.01)


async def test_the_default_wait_stays_within_the_policy_window(fake_hf: FakeHF) -> None:
    fake_hf.fail(*[Fault(429, headers={"RateLimit-Policy": '"api";q=5;w=15'})] * 4)
    sleep = RecordingSleep()
    async with HFSource(
        load_settings(env_file=None, hf_endpoint=fake_hf.url), sleep=sleep, clock=sleep.clock
    ) as hf:
        assert len(await hf.fetch_day(DAYS[0])) == 1
    assert [math.floor(d) for d in sleep.delays] == [10, 15, 15, 15]


async def test_retries_run_out_while_limited_gives_the_reset(fake_hf: FakeHF) -> None:
    """Limited on every attempt: the error says when HF will answer again."""
    fake_hf.fail(*[Fault(429, headers={"RateLimit": '"api";r=0;t=7'})] * 3)
    sleep = RecordingSleep()
    settings = load_settings(env_file=None, hf_endpoint=fake_hf.url, hf_max_retries=2)
    async with HFSource(settings, sleep=sleep, clock=sleep.clock) as hf:
        with pytest.raises(SourceUnavailable, match=r"3 attempts; it asked us to come back at") as caught:
            await hf.fetch_day(DAYS[0])
    assert len(sleep.delays) == 2 and all(7 <= d <= 7 + RESET_JITTER for d in sleep.delays)
    assert caught.value.retry_at is not None
    assert abs(caught.value.retry_at.timestamp() - (sleep.now + 7)) < 0.01


async def test_a_429_holds_back_at_least_a_second(fake_hf: FakeHF) -> None:
    """A reset "in 1 ms", again and again, is not taken at its word: at least MIN_LIMIT_WAIT."""
    fake_hf.fail(*[Fault(429, headers={"RateLimit": '"api";r=0;t=0.001'})] * 3)
    sleep = RecordingSleep()
    async with HFSource(
        load_settings(env_file=None, hf_endpoint=fake_hf.url), sleep=sleep, clock=sleep.clock
    ) as hf:
        assert len(await hf.fetch_day(DAYS[0])) == 1
    assert len(sleep.delays) == 3
    assert all(MIN_LIMIT_WAIT <= d <= MIN_LIMIT_WAIT + RESET_JITTER for d in sleep.delays), sleep.delays


def _date_in(seconds: int) -> str:
    return formatdate(math.ceil(time.time()) + seconds, usegmt=True)


LENIENT_FORMS = {
    "retry-after-twice": lambda: [("Retry-After", "1"), ("Retry-After", "1")],
    "x-ratelimit-reset-twice": lambda: [
        ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "1"), ("X-RateLimit-Reset", "1")
    ],
    "uppercase-parameters": lambda: {"RateLimit": '"api";R=0;T=1'},
    "reset-as-http-date": lambda: {"RateLimit-Remaining": "0", "RateLimit-Reset": _date_in(1)},
    "x-reset-as-http-date": lambda: {"X-RateLimit-Reset": _date_in(1)},
    "non-latin-1-in-ratelimit": lambda: {"RateLimit": '"api";r=0;t=1 \u20ac\u0100'},
    "non-latin-1-and-another-header": lambda: {"RateLimit": "\u0100\u20ac", "X-RateLimit-Reset": "1"},
    "used-up-no-t-policy-window": lambda: {"RateLimit": '"api";r=0', "RateLimit-Policy": '"api";q=1;w=1'},
}  # fmt: skip


@pytest.mark.parametrize("form", list(LENIENT_FORMS.values()), ids=list(LENIENT_FORMS))
async def test_lenient_forms_bring_the_next_request_at_the_reset(fake_hf: FakeHF, form: Any) -> None:
    """Header forms a strict reading missed (review of issue 10 kind 3), each sent by the fake
    over HTTP: the next request comes at the reset (1 s on), not at once nor after the default wait."""
    fake_hf.fail(Fault(429, headers=form()))
    async with hf_source(fake_hf) as hf:
        assert len(await hf.fetch_day(DAYS[0])) == 1
    first, second = fake_hf.requests
    assert first["status"] == 429 and second["status"] == 200
    assert 1.0 <= second["at"] - first["at"] <= 2.0 + SLACK  # a date is whole seconds: up to 1 s more


async def test_times_told_are_never_before_the_reset(fake_hf: FakeHF) -> None:
    """Review of issue 10 kind 5: "come back at 23:48:42" for a reset at 23:48:42.6 told people to
    come back too early; the time is rounded up."""
    fake_hf.fail(Fault(429, headers={"Retry-After": "120"}))
    sleep = RecordingSleep()
    sleep.now = math.floor(time.time()) + 0.6
    settings = load_settings(env_file=None, hf_endpoint=fake_hf.url)
    async with HFSource(settings, sleep=sleep, clock=sleep.clock, max_wait=5) as hf:
        with pytest.raises(SourceUnavailable) as caught:
            await hf.fetch_day(DAYS[0])
    retry_at = caught.value.retry_at
    assert retry_at is not None and retry_at.microsecond != 0
    told = re.search(r"come back at (\d\d:\d\d:\d\d) UTC", str(caught.value))
    assert told is not None
    assert told[1] == f"{retry_at + timedelta(seconds=1):%H:%M:%S}", (told[1], retry_at)
