"""Chat platforms as the daily engine sees them: send functions that record every Delivery.

`Sink` is the engine tests' platform: it records each send and can fail on demand.
`RecordingPlatform` is the fault tests' one, independent of Redis (it survives a restart).

`RecordingPlatform.send` models a real chat API at its worst: the platform accepts the post first, then the answer
takes `latency` seconds to come back, so a pass cancelled or crashed meanwhile leaves a post out
that the engine never heard of. `find_sent` looks a post up by its idempotency key, like the Slack
adapter's search of its message metadata.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime, timedelta

from bot.daily import Delivery


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


class RecordingPlatform:
    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.messages: dict[str, str] = {}  # idempotency key -> message id
        self.per_channel: Counter[str] = Counter()  # channel tag -> messages created
        self.calls = 0
        self.lookups = 0

    async def send(self, delivery: Delivery) -> str:
        self.calls += 1
        self.per_channel[delivery.channel.tag] += 1
        message_id = f"m{self.calls}"
        self.messages.setdefault(delivery.idempotency_key, message_id)
        if self.latency:
            await asyncio.sleep(self.latency)
        return message_id

    async def find_sent(self, delivery: Delivery) -> str | None:
        self.lookups += 1
        return self.messages.get(delivery.idempotency_key)

    @property
    def channels(self) -> int:
        return len(self.per_channel)

    def repeated(self) -> list[str]:
        return [tag for tag, n in self.per_channel.items() if n > 1]


def running_clock(start: datetime):
    """`start`, advancing with the real monotonic clock (a fixed day, so midnight never interferes)."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)
