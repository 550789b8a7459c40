"""The daily post engine: each subscribed channel gets its post once a day, from any replica.

Adapters provide a `send(delivery) -> message id` for their platform (and, if they can, a
`find_sent`), raise `ChannelGone` or `DeliveryFailed`, and run `bot.daily.loop.DailyLoop`, which
calls `DailyEngine.run_due` every DAILY_TICK_SECONDS.
"""

from bot.daily.delivery import Delivery, FindSent, Send, idempotency_key
from bot.daily.engine import DailyEngine
from bot.daily.errors import ChannelGone, DeliveryError, DeliveryFailed
from bot.daily.report import RunReport

__all__ = [
    "ChannelGone",
    "DailyEngine",
    "Delivery",
    "DeliveryError",
    "DeliveryFailed",
    "FindSent",
    "RunReport",
    "Send",
    "idempotency_key",
]
