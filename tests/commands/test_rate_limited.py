"""`/papers` while Hugging Face rate-limits us: an answer within 2 s that says when HF is back."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.commands import CommandService, Notice
from tests.commands.conftest import MEMBER
from tests.fake_hf import FakeHF, Fault

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
    assert reply.title in {
        f"Hugging Face asked us to wait; back at {moment:%H:%M} UTC"
        for moment in (back - timedelta(seconds=5), back + timedelta(seconds=5))
    }
