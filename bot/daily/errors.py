"""What a platform `send` raises, so the engine knows whether to pause a channel or retry later."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base of the delivery errors adapters raise."""


class ChannelGone(DeliveryError):
    """The channel no longer exists, or the bot may not post there (Slack `channel_not_found`,
    `not_in_channel`, `is_archived`; Discord 403/404). The engine pauses the subscription with
    `reason`, which `/papers status` shows, instead of trying again every day."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryFailed(DeliveryError):
    """A failure worth retrying (rate limit, 5xx, network). `retry_after` (seconds) is honoured
    when the platform gave one; otherwise the engine backs off exponentially. Any other exception
    from `send` is treated the same way."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
