"""`/papers` while Hugging Face rate-limits us: an answer within 2 s that says when HF is back (a
time never before it), without asking HF again meanwhile; a list it could not read is never called
empty."""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email.utils import formatdate

import pytest

from bot.commands import CommandService, Listing, Notice
from bot.settings import Settings
from bot.source.hf_client import DEFAULT_LIMIT_WAIT
from bot.store import open_state
from tests.commands.conftest import MEMBER, NOW
from tests.factories import api_items, make_paper
from tests.fakes.hf import FakeHF, Fault

POLICY = {"RateLimit-Policy": '"fixed window";"api";q=500;w=300'}


async def ask(service: CommandService, text: str) -> tuple[float, Notice]:
    started = time.monotonic()
    reply = await service.run(text, MEMBER)
    assert isinstance(reply, Notice), reply
    return time.monotonic() - started, reply


@pytest.mark.parametrize("text", ["2025-10-14", "week", "why 2510.12586"])
async def test_says_when_hf_is_back(service: CommandService, fake_hf: FakeHF, text: str) -> None:
    fake_hf.fail(Fault(429, headers={"RateLimit": '"api";r=0;t=12', **POLICY}))
    seconds, reply = await ask(service, text)
    assert seconds < 2.0
    assert reply.title.startswith("Hugging Face asked us to wait; back in about "), reply.title
    assert 9 <= int(reply.title.split()[-2]) <= 12
    assert reply.tone == "warning" and "no saved copy" in reply.lines[0]


async def test_a_later_return_is_a_time_of_day(service: CommandService, fake_hf: FakeHF) -> None:
    fake_hf.fail(Fault(429, headers={"Retry-After": "120"}))
    seconds, reply = await ask(service, "2025-10-14")
    back = datetime.now(UTC) + timedelta(seconds=120)
    assert seconds < 2.0
    assert reply.title in {  # rounded up to the minute
        f"Hugging Face asked us to wait; back at {moment + timedelta(minutes=1):%H:%M} UTC"
        for moment in (back - timedelta(seconds=5), back + timedelta(seconds=5))
    }


@pytest.fixture
async def production_service(settings: Settings) -> AsyncIterator[CommandService]:
    """`/papers` over the production HF client (4 retries), sharing HF's limits through Redis."""
    state = await open_state(settings.model_copy(update={"hf_max_retries": 4}))
    try:
        yield CommandService(state, clock=lambda: NOW)
    finally:
        await state.aclose()


@pytest.mark.parametrize(
    "headers",
    [{"Retry-After": "0"}, {"Retry-After": "Sat, 28 Nov 2026 23:48:42 GMT"}, {"RateLimit": '"api";r=0;t=0', **POLICY}, {}],
    ids=["retry-after-0", "retry-after-past-date", "ratelimit-t0", "no-headers"],
)  # fmt: skip
async def test_a_429_naming_no_moment_ahead_is_asked_once(
    production_service: CommandService, fake_hf: FakeHF, headers: dict[str, str]
) -> None:
    """Review of issue 10 kind 3: HF refusing with "come back now" (or no word) got 20 requests
    (7 without headers) from one `/papers` in 1.5 s. Now one per list day asked at once, an answer
    saying when HF is back (the default wait), and no more requests before then."""
    fake_hf.refuse = Fault(429, headers=headers)
    seconds, reply = await ask(production_service, "")
    assert seconds < 2.0
    assert reply.title.startswith("Hugging Face asked us to wait; back in about "), reply.title
    assert DEFAULT_LIMIT_WAIT - 3 <= int(reply.title.split()[-2]) <= DEFAULT_LIMIT_WAIT + 1
    await asyncio.sleep(1.0)
    assert 1 <= len(fake_hf.requests) <= 2, len(fake_hf.requests)  # today and yesterday, asked at once


YESTERDAY_LIST = [make_paper("2510.14001", day=date(2025, 10, 14), title="Yesterday's paper")]


LIMITED_TODAY = Fault(429, headers={"RateLimit": '"api";r=0;t=200', **POLICY})


@pytest.mark.parametrize(
    ("fault", "why", "week"),
    [
        (LIMITED_TODAY, "Hugging Face asked us to wait before sending today's list (back at {back} UTC)",
         r"Missing (\w{3} \d+ Oct 2025, )*Wed 15 Oct 2025: Hugging Face asked us to wait before sending "
         r"(it|them) \(back at \d\d:\d\d UTC\)\.$"),
        (Fault(500), "Hugging Face did not send today's list (it is not answering)",
         r"Missing Wed 15 Oct 2025: Hugging Face did not send it \(it is not answering\)\.$"),
    ],
    ids=["rate-limited", "not-answering"],
)  # fmt: skip
async def test_an_unread_todays_list_is_not_called_empty(
    service: CommandService, fake_hf: FakeHF, fault: Fault, why: str, week: str
) -> None:
    """Review of issue 10 kind 4: today's list refused, yesterday's readable: `/papers` said
    "Today's list is still empty; showing Tue 14 Oct 2025", which was false. Now it says why
    today's list is missing and that it shows yesterday's meanwhile; `week` names the missing days."""
    fake_hf.days["2025-10-14"] = api_items(YESTERDAY_LIST)
    assert isinstance(await service.run("2025-10-14", MEMBER), Listing)  # yesterday's list is cached
    fake_hf.fail_day("2025-10-15", fault, fault)
    back = datetime.fromtimestamp(math.ceil((time.time() + 200) / 60) * 60, UTC)
    reply = await service.run("", MEMBER)
    assert isinstance(reply, Listing) and reply.digest.day == date(2025, 10, 14)
    meanwhile = "; showing the cached list of Tue 14 Oct 2025 meanwhile."
    assert reply.note in {
        why.format(back=f"{moment:%H:%M}") + meanwhile for moment in (back, back + timedelta(minutes=1))
    }, reply.note
    listing = await service.run("week", MEMBER)
    assert isinstance(listing, Listing) and listing.note is not None
    assert re.search(week, listing.note), listing.note


async def test_a_time_of_day_is_never_before_the_reset(service: CommandService, fake_hf: FakeHF) -> None:
    """Review of issue 10 kind 5: a reset at 23:48:42 was told as "back at 23:48 UTC". The minute is
    rounded up: "23:49"."""
    soon = math.ceil(time.time()) + 100
    reset = soon + (42 - soon % 60) % 60  # 100 to 159 s ahead, at :42 past a minute
    fake_hf.fail(Fault(429, headers={"Retry-After": formatdate(reset, usegmt=True)}))
    _, reply = await ask(service, "2025-10-14")
    rounded_up = datetime.fromtimestamp(reset + 18, UTC)
    assert reply.title == f"Hugging Face asked us to wait; back at {rounded_up:%H:%M} UTC"
