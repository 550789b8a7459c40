"""Data written by earlier versions: how it reads today, and its one-time rewrite.

One migration so far, "slack_topics_as_typed": until issue 10 a Slack channel's topics were stored as
Slack sent them (`R&amp;D` for `R&D`); since then they are stored as typed, and a subscription's `cfg`
JSON says so with `"tv": 2` (bot.store.keys). `topics_as_typed` reads an old record as plain text
(the store and the daily engine alike, before or after the rewrite); `migrate` (the Slack app runs it
at start) rewrites each old Slack `cfg` once, in a WATCH/MULTI transaction on its own key, and records
`P:migrations` `slack_topics_as_typed` when the scan is complete, so later starts skip it. Why that is
safe with any number of replicas, older ones included during a rolling deploy: docs/reliability.md,
"Slack topics stored as typed".

Limits: the scan uses SCAN on the one server papers-bot talks to (its Redis client is not a cluster
client); Discord channels are never touched (Discord sends text as typed). A topic typed as literal
entity text (`&amp;`) into a record that an older replica then rewrites would be decoded (only during a
rolling deploy, and only for such a topic).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable

from redis.asyncio import Redis
from redis.exceptions import WatchError

from bot.slack_text import user_text
from bot.store.keys import Keys

log = logging.getLogger(__name__)

SLACK_TOPICS_AS_TYPED = "slack_topics_as_typed"  # field of P:migrations
TOPIC_TEXT_VERSION = 2  # cfg "tv": topics are stored as typed
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")
_BATCH = 500  # keys a SCAN step asks for, and cfgs read in one round trip


def topics_as_typed(platform: str, topics: Iterable[str], version: object) -> tuple[str, ...]:
    """Stored topics as the people who typed them wrote them.

    `version` is the cfg's "tv" (None when absent). Slack topics stored before version 2 hold
    Slack's encoding and are decoded (bot.slack_text.user_text) and de-duplicated ignoring case;
    any other platform's, and any version 2 topics, are returned as stored.
    """
    stored = tuple(topics)
    if platform != "slack" or version == TOPIC_TEXT_VERSION or not stored:
        return stored
    out: list[str] = []
    seen: set[str] = set()
    for topic in stored:
        typed = " ".join(user_text(topic).split())
        if typed and typed.casefold() not in seen:
            seen.add(typed.casefold())
            out.append(typed)
    return tuple(out)


async def migrate(redis: Redis, keys: Keys) -> int:
    """Run the pending one-time rewrites; returns how many records this call rewrote.

    Safe to call from every replica at every start (see the module docstring). Raises
    redis.exceptions.RedisError when Redis fails; what was rewritten stays rewritten, and the next
    call carries on.
    """
    if await redis.hget(keys.migrations(), SLACK_TOPICS_AS_TYPED):
        return 0
    pattern = _GLOB_SPECIAL.sub(r"\\\1", f"{keys.prefix}:sub:{{slack:") + "*"
    rewritten = 0
    batch: list[str] = []
    async for key in redis.scan_iter(match=pattern, count=_BATCH):
        batch.append(key)
        if len(batch) == _BATCH:
            rewritten += await _rewrite_batch(redis, batch)
            batch = []
    rewritten += await _rewrite_batch(redis, batch)
    await redis.hsetnx(keys.migrations(), SLACK_TOPICS_AS_TYPED, str(int(time.time())))
    if rewritten:
        log.info("stored the topics of %d Slack subscriptions as typed (were in Slack's encoding)", rewritten)
    return rewritten


async def _rewrite_batch(redis: Redis, keys: list[str]) -> int:
    """Read the batch's cfgs in one round trip; rewrite (one by one) those in the old form."""
    if not keys:
        return 0
    async with redis.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.hget(key, "cfg")
        cfgs = await pipe.execute()
    return sum(
        [await _rewrite_slack_topics(redis, k) for k, cfg in zip(keys, cfgs, strict=True) if _old(cfg)]
    )


def _old(cfg: str | None) -> bool:
    data = json.loads(cfg) if cfg else None
    return bool(data and data.get("t") and data.get("tv") != TOPIC_TEXT_VERSION)


async def _rewrite_slack_topics(redis: Redis, key: str) -> int:
    """Rewrite one Slack subscription's cfg if it is in the old form; 1 if this call rewrote it."""
    async with redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(key)
                cfg = await pipe.hget(key, "cfg")
                if not _old(cfg):  # rewritten, changed or removed since it was read
                    return 0
                data = json.loads(cfg)
                data["t"] = list(topics_as_typed("slack", data["t"], data.get("tv")))
                data["tv"] = TOPIC_TEXT_VERSION
                pipe.multi()
                pipe.hset(key, "cfg", json.dumps(data, separators=(",", ":"), ensure_ascii=False))
                pipe.hincrby(key, "v", 1)
                await pipe.execute()
                return 1
            except WatchError:
                continue
