"""Command tests: a fixed clock, a channel, a manager and a member."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.commands import Caller, CommandService
from bot.store import ChannelRef, State

TODAY = date(2025, 10, 15)  # a Wednesday
NOW = datetime(2025, 10, 15, 12, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "T1", "C1")
MANAGER = Caller(CHANNEL, "slack:UADMIN", can_manage=True)
MEMBER = Caller(CHANNEL, "slack:UMEMBER", can_manage=False)


@pytest.fixture
def service(state: State) -> CommandService:
    return CommandService(state, clock=lambda: NOW)
