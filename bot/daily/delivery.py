"""What the engine hands an adapter's `send`, and the signatures adapters implement."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from bot.digest import Digest
from bot.store.keys import ChannelRef


@dataclass(frozen=True, slots=True)
class Delivery:
    """One daily post for one channel and local day.

    `digest.entries` empty means "nothing new today": render the one-line notice (only channels
    that asked for it get such a delivery).

    `idempotency_key` is the same for every attempt at this (channel, zone, local day), 24 characters:
    Discord adapters pass it as the message `nonce` with `enforce_nonce`; a Slack adapter can put
    it in the message `metadata` so that `find_sent` can look for it after a crash.
    `recovered` is true when an engine died while this post was claimed, and `attempt > 1` after a
    failed send: in both cases it may already be out, so the engine calls `find_sent` first.
    """

    channel: ChannelRef
    digest: Digest
    local_day: date
    idempotency_key: str
    attempt: int = 1
    recovered: bool = False

    @property
    def nothing_new(self) -> bool:
        return not self.digest.entries

    @property
    def paper_ids(self) -> tuple[str, ...]:
        return tuple(entry.paper.id for entry in self.digest.entries)


Send = Callable[[Delivery], Awaitable[str]]
"""Post the delivery; return the platform's message id. Raise ChannelGone or DeliveryFailed."""

FindSent = Callable[[Delivery], Awaitable[str | None]]
"""Optional: the message id if this delivery (by idempotency key) is already in the channel."""


def idempotency_key(prefix: str, channel: ChannelRef, local_day: date, timezone: str | None) -> str:
    """Stable per (deployment prefix, channel, local day of IANA zone `timezone`); 24 hex
    characters (Discord nonces: <= 25). The zone keeps Tokyo's 15th apart from Los Angeles's.
    `timezone` None gives the key of versions before zone-keyed claims (a legacy claim taken
    over during a rolling upgrade: `bot.store.keys`)."""
    zone = "" if timezone is None else f"{timezone}|"
    raw = f"{prefix}|{channel.tag}|{zone}{local_day.isoformat()}".encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()
