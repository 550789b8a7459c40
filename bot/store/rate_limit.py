"""The replicas' shared record "Hugging Face is limited until T", in Redis (`P:hf:limited`).

`SharedRateLimit` is the `bot.source.rate_limit.RateLimitStore` the bot gives its `HFSource` and
its `PaperCache`: the first replica whose request is rate limited records the reset time, and the
others (their `/papers` answers, their daily passes) hold back until then instead of each burning
a 429. The key expires at T. A later T replaces an earlier one, never the reverse (one Lua script).

Redis failures are logged and swallowed: without the shared record each replica still honours
the limits it learns itself, and an HF fetch must not fail because Redis hiccuped. The key
expires by the Redis server's clock (SET PXAT, Redis 6.2+) while T comes from a replica's: if
Redis's clock runs ahead, the record vanishes that much early (a replica may then meet a 429 of
its own and learn the limit itself); if behind, readers still ignore it once T has passed.
"""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.store.keys import Keys

log = logging.getLogger(__name__)

# KEYS: the limit key. ARGV: until (Unix ms). Keeps the later of the stored and the given moment.
_HOLD = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local until_ms = tonumber(ARGV[1])
if until_ms > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1])
end
return 1
"""


class SharedRateLimit:
    """The shared "HF is limited until T" record (T in Unix seconds); see the module docstring."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._key = keys.hf_limited()
        self._hold = redis.register_script(_HOLD)

    async def until(self) -> float | None:
        """T if a replica recorded a limit that has not ended yet; None otherwise (or if Redis fails)."""
        try:
            raw = await self._redis.get(self._key)
        except (RedisError, OSError) as exc:
            log.warning("could not read the shared HF rate limit: %s", exc)
            return None
        try:
            until = int(raw) / 1000 if raw is not None else None
        except ValueError:
            return None
        return until if until is not None and until > time.time() else None

    async def hold(self, until: float) -> None:
        """Record that HF is limited until `until` (Unix seconds), unless a later end is recorded."""
        until_ms = int(until * 1000)
        if until_ms <= int(time.time() * 1000):
            return
        try:
            await self._hold(keys=[self._key], args=[until_ms])
        except (RedisError, OSError) as exc:
            log.warning("could not share the HF rate limit: %s", exc)
