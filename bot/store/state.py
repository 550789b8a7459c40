"""The shared wiring: `connect` to Redis (REDIS_URL, or the embedded server) and the `State` bundle
that the adapters, the commands and the daily engine share (`open_state`, `build_state`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.settings import Settings
from bot.source.hf_client import HFSource
from bot.store.embedded import RedisUnavailable, start_embedded
from bot.store.keys import Keys
from bot.store.lists import FetchDay, PaperCache
from bot.store.rate_limit import SharedRateLimit
from bot.store.scripts import load_scripts
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import VoteStore


def redis_url(settings: Settings) -> str:
    """REDIS_URL, or the embedded server's unix:// URL (started if it is not running)."""
    return settings.redis_url or start_embedded(settings.papers_data_dir)


MAX_CONNECTIONS = 64
REPLY_TIMEOUT = 30.0  # seconds a command waits for its reply; bot.store.resp reads the same


async def connect(settings: Settings, **kwargs: object) -> Redis:
    """An asyncio Redis client for the bot (decoded strings), after a PING.

    Its pool waits for a free connection (up to 20 s) instead of failing when MAX_CONNECTIONS
    are busy, so bursts of commands and the daily pass share it without "Too many connections".
    A command whose connection fails is tried again on a new one (twice, within ~0.3 s): after
    a Redis restart every pooled connection is dead, and without this each would fail its next
    command (a user's `/papers` among them) although Redis is back. Timeouts are not retried.
    A command without a reply for REPLY_TIMEOUT seconds (a frozen or partitioned Redis) fails
    with redis.exceptions.TimeoutError instead of waiting for ever.
    """
    url = await asyncio.to_thread(redis_url, settings)
    options: dict[str, object] = {
        "max_connections": MAX_CONNECTIONS,
        "timeout": 20,
        "socket_timeout": REPLY_TIMEOUT,
        "retry": Retry(ExponentialWithJitterBackoff(cap=0.2, base=0.02), 2, (RedisConnectionError,)),
        **kwargs,
    }
    pool = BlockingConnectionPool.from_url(url, decode_responses=True, **options)  # type: ignore[arg-type]
    client = Redis.from_pool(pool)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        raise RedisUnavailable(f"cannot reach Redis: {exc}") from None
    await load_scripts(client)
    return client


@dataclass
class State:
    """What the adapters and the engine share: one client, the keys, subscriptions and lists."""

    redis: Redis
    keys: Keys
    subscriptions: SubscriptionStore
    papers: PaperCache
    settings: Settings
    source: HFSource | None = None  # the HF client behind `papers` when open_state made it (/healthz)
    hf_limit: SharedRateLimit | None = None  # "HF is limited until T", shared by the replicas
    _closers: list = field(default_factory=list)
    votes: VoteStore = field(init=False)  # the channels' 👍/👎 votes (issue 12)

    def __post_init__(self) -> None:
        self.votes = VoteStore(self.redis, self.keys)

    async def aclose(self) -> None:
        for close in reversed(self._closers):
            await close()
        await self.redis.aclose()


def build_state(
    redis: Redis, settings: Settings, fetch: FetchDay, *, hf_limit: SharedRateLimit | None = None
) -> State:
    keys = Keys(settings.redis_key_prefix)
    hf_limit = hf_limit or SharedRateLimit(redis, keys)
    cache = PaperCache(
        redis,
        keys,
        fetch,
        recent_seconds=settings.hf_cache_recent_seconds,
        past_seconds=settings.hf_cache_past_seconds,
        limit=hf_limit,
    )
    return State(redis, keys, SubscriptionStore(redis, keys), cache, settings, hf_limit=hf_limit)


async def open_state(settings: Settings, *, fetch: FetchDay | None = None) -> State:
    """Connect and build the State; `fetch` defaults to the Hugging Face API (closed with the State),
    whose rate limits are shared with the other replicas through Redis."""
    redis = await connect(settings)
    hf_limit = SharedRateLimit(redis, Keys(settings.redis_key_prefix))
    closers = []
    source = None
    if fetch is None:
        source = HFSource(settings, shared=hf_limit)
        fetch = source.fetch_day
        closers.append(source.aclose)
    state = build_state(redis, settings, fetch, hf_limit=hf_limit)
    state.source = source
    state._closers = closers
    return state
