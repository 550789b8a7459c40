"""Redis state: subscriptions, posted records, delivery claims and the shared HF list cache.

`open_state(settings)` (bot/store/state.py) connects (to REDIS_URL, or to an embedded Redis in
PAPERS_DATA_DIR) and returns the `State` bundle the adapters and the daily engine share; this package
re-exports it with the store's types. The key schema is documented in one place: `bot.store.keys`.
"""

from __future__ import annotations

from bot.store.embedded import (
    RedisUnavailable,
    find_redis_server,
    start_embedded,
    stop_embedded,
    temporary_redis,
)
from bot.store.keys import ChannelRef, Keys
from bot.store.lists import FetchDay, PaperCache
from bot.store.models import (
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
    ChannelStatus,
    NotSubscribed,
    Schedule,
    Subscription,
    SubscriptionError,
)
from bot.store.state import State, build_state, connect, open_state, redis_url
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import Tally, Taught, TaughtPaper, Vote, VoteResult, VoteStore

__all__ = [
    "MAX_TOPICS",
    "MAX_TOPIC_LENGTH",
    "ChannelRef",
    "ChannelStatus",
    "FetchDay",
    "Keys",
    "NotSubscribed",
    "PaperCache",
    "RedisUnavailable",
    "Schedule",
    "State",
    "Subscription",
    "SubscriptionError",
    "SubscriptionStore",
    "Tally",
    "Taught",
    "TaughtPaper",
    "Vote",
    "VoteResult",
    "VoteStore",
    "build_state",
    "connect",
    "find_redis_server",
    "open_state",
    "redis_url",
    "start_embedded",
    "stop_embedded",
    "temporary_redis",
]
