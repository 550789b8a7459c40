"""Subscriptions per channel: the one API both adapters use to read and change them.

Every change is an optimistic transaction on the channel's own hash (WATCH/MULTI on one key, so
it is legal on Redis Cluster) that bumps the version `v`. The channel's entry in the due index
is then set to 0 ("look at it on the next tick": the engine works out the real time from the
settings) or removed when paused, and the version is read again: if someone changed the channel
in between, the index entry is redone from what is now stored. The engine checks versions the
same way after it moves entries, so the index always ends up agreeing with the settings.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError

from bot.store import schedule as sched
from bot.store.keys import ChannelRef, Keys
from bot.store.models import (
    ChannelStatus,
    NotSubscribed,
    Schedule,
    Subscription,
    SubscriptionError,
    ZoneUnavailable,
    epoch_text,
    parse_post_time,
    parse_timezone,
    validate_reason,
    validate_top,
    validate_topic,
    validate_topics,
)

SCHEDULE_FIELDS = ("topics", "post_time", "timezone", "top", "weekdays_only", "nothing_new_note")


def _validated(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(SCHEDULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown subscription settings: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "topics":
            out[name] = validate_topics(list(value))
        elif name == "post_time":
            out[name] = parse_post_time(value)
        elif name == "timezone":
            out[name] = parse_timezone(value)
        elif name == "top":
            out[name] = validate_top(value)
        else:
            out[name] = bool(value)
    return out


class SubscriptionStore:
    """Read and change subscriptions. `by` is who made a change, e.g. `slack:U123`."""

    def __init__(self, redis: Redis, keys: Keys, *, clock: Callable[[], float] = _time.time) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock

    # --- reading -------------------------------------------------------------------------------

    async def get(self, channel: ChannelRef) -> Subscription | None:
        data = await self._redis.hgetall(self._keys.sub(channel))
        return Subscription.from_hash(channel, data) if data.get("cfg") else None

    async def list_team(self, platform: str, team: str) -> list[Subscription]:
        """Every subscription of one workspace or guild, by channel id."""
        ids = sorted(await self._redis.smembers(self._keys.team_channels(platform, team)))
        channels = [ChannelRef(platform, team, c) for c in ids]
        async with self._redis.pipeline(transaction=False) as pipe:
            for ch in channels:
                pipe.hgetall(self._keys.sub(ch))
            rows = await pipe.execute()
        return [Subscription.from_hash(ch, d) for ch, d in zip(channels, rows, strict=True) if d.get("cfg")]

    async def posted(self, channel: ChannelRef) -> dict[str, datetime]:
        """The channel's posted record: paper id -> when it was posted."""
        rows = await self._redis.zrange(self._keys.posted(channel), 0, -1, withscores=True)
        return {pid: datetime.fromtimestamp(score, UTC) for pid, score in rows}

    async def status(self, channel: ChannelRef, *, now: datetime | None = None) -> ChannelStatus | None:
        """Settings, next post, last post and last error: what `/papers status` shows."""
        now = now or datetime.fromtimestamp(self._clock(), UTC)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._keys.sub(channel)).zcard(self._keys.posted(channel))
            pipe.hget(self._keys.last(channel), "at")
            data, remembered, memory_at = await pipe.execute()
        if not data.get("cfg"):
            return None
        sub = Subscription.from_hash(channel, data)
        last_post = sched.last_post_of(memory_at, data.get("last_post_at"))
        schedule, since = sub.schedule, sub.active_since
        try:
            decision = sched.decide(schedule, now, last_post, since)
        except ZoneUnavailable:  # no post until the zone is set again: the status says why
            return ChannelStatus.from_hash(
                sub, data, next_post_at=None, posted_today=False, remembered=remembered
            )
        claim = self._keys.claim(channel, schedule.timezone, decision.local_day)
        state, retry_at = await self._redis.hmget(claim, "s", "r")
        done_today = decision.done or state in ("sent", "empty", "failed")
        if sub.paused:
            next_at = None
        elif decision.due and done_today:
            next_at = sched.next_due(schedule, decision.local_day, last_post, since)
        elif decision.due and state == "retry" and retry_at:  # a failed post waits for its retry
            next_at = min(
                datetime.fromtimestamp(max(float(retry_at), now.timestamp()), UTC),
                sched.next_due(schedule, decision.local_day, last_post, since),
            )
        else:
            next_at = decision.at
        return ChannelStatus.from_hash(
            sub,
            data,
            next_post_at=next_at,
            posted_today=decision.done or state in ("sent", "empty"),
            remembered=remembered,
        )

    # --- changing ------------------------------------------------------------------------------

    async def configure(
        self, channel: ChannelRef, *, by: str, create: bool = True, **changes: Any
    ) -> Subscription:
        """Create the subscription (with defaults) or change the given settings.

        Settings: topics (list), post_time ("HH:MM" or time), timezone (IANA name), top (1-20),
        weekdays_only, nothing_new_note. Raises SubscriptionError for a bad value and
        NotSubscribed when `create` is false and there is no subscription.

        A change is not a start (bot.store.schedule): when today's post was owed before it, it
        stays owed whatever the new time, so `active_since` is dropped then.
        """
        values = _validated(changes)
        now = datetime.fromtimestamp(self._clock(), UTC)

        def edit(sub: Subscription) -> Subscription:
            changed = sub.with_schedule(**values)
            if sub.active_since is not None and not _started_after_today(sub, now):
                changed = replace(changed, active_since=None)
            return changed

        return await self._change(channel, by=by, create=create, edit=edit)

    async def subscribe(self, channel: ChannelRef, *, by: str, topic: str | None = None) -> Subscription:
        """`/papers subscribe [topic]`: start the daily post if needed, and follow `topic` if given."""
        if topic is None:
            return await self._change(channel, by=by, create=True, edit=lambda s: s)
        cleaned = validate_topic(topic)

        def add(sub: Subscription) -> Subscription:
            if any(t.casefold() == cleaned.casefold() for t in sub.topics):
                return sub
            return sub.with_schedule(topics=validate_topics([*sub.topics, cleaned]))

        return await self._change(channel, by=by, create=True, edit=add)

    async def remove_topic(self, channel: ChannelRef, topic: str, *, by: str) -> Subscription:
        """Stop following one topic (matched ignoring case and spacing)."""
        wanted = " ".join(topic.split()).casefold()

        def remove(sub: Subscription) -> Subscription:
            kept = tuple(t for t in sub.topics if t.casefold() != wanted)
            if len(kept) == len(sub.topics):
                listed = ", ".join(f"`{t}`" for t in sub.topics) or "none"
                raise SubscriptionError(
                    f"This channel does not follow `{topic[:100]}`. Its topics: {listed}."
                )
            return sub.with_schedule(topics=kept)

        return await self._change(channel, by=by, create=False, edit=remove)

    async def set_time(
        self, channel: ChannelRef, post_time: str | time, timezone: str | None = None, *, by: str
    ) -> Subscription:
        changes: dict[str, Any] = {"post_time": post_time}
        if timezone is not None:
            changes["timezone"] = timezone
        return await self.configure(channel, by=by, create=False, **changes)

    async def set_top(self, channel: ChannelRef, top: int, *, by: str) -> Subscription:
        return await self.configure(channel, by=by, create=False, top=top)

    async def pause(self, channel: ChannelRef, *, by: str, reason: str | None = None) -> Subscription:
        now = self._clock()
        text = validate_reason(reason) or f"paused by {by}"

        def pause(sub: Subscription) -> Subscription:
            return replace(sub, paused=True, paused_reason=text, paused_at=datetime.fromtimestamp(now, UTC))

        return await self._change(channel, by=by, create=False, edit=pause)

    async def resume(self, channel: ChannelRef, *, by: str) -> Subscription:
        """Restart a paused daily post; a day whose post time has passed is not owed
        (`active_since`, bot.store.schedule)."""
        now = datetime.fromtimestamp(self._clock(), UTC)

        def resume(sub: Subscription) -> Subscription:
            since = now if sub.paused else sub.active_since
            return replace(sub, paused=False, paused_reason=None, paused_at=None, active_since=since)

        return await self._change(channel, by=by, create=False, edit=resume)

    async def unsubscribe(self, channel: ChannelRef, *, by: str) -> bool:
        """Stop the daily post and forget the channel's votes (bot.store.votes). The posted record
        and the delivery memory stay (they expire by themselves) so a later subscription never
        repeats a paper, nor posts twice in one day. False if there was no subscription."""
        removed = await self._redis.delete(self._keys.sub(channel))
        await self._redis.delete(*self._keys.vote_keys(channel))
        await self._redis.srem(self._keys.team_channels(channel.platform, channel.team), channel.channel)
        await self.sync_due(channel)
        return bool(removed)

    async def sync_due(self, channel: ChannelRef) -> None:
        """Make the channel's due-index entry agree with its stored settings (see module doc)."""
        key, due = self._keys.sub(channel), self._keys.due(channel.platform)
        for _ in range(20):
            cfg, paused, version = await self._redis.hmget(key, "cfg", "paused", "v")
            if cfg is None or paused == "1":
                await self._redis.zrem(due, channel.member)
            else:
                await self._redis.zadd(due, {channel.member: 0})
            if await self._redis.hget(key, "v") == version:
                return
        raise RuntimeError(f"{channel}: settings keep changing; due index not settled")

    # --- internals -----------------------------------------------------------------------------

    async def _change(
        self,
        channel: ChannelRef,
        *,
        by: str,
        create: bool,
        edit: Callable[[Subscription], Subscription],
    ) -> Subscription:
        key = self._keys.sub(channel)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    data = await pipe.hgetall(key)
                    now = self._clock()
                    if data.get("cfg"):
                        current = Subscription.from_hash(channel, data)
                        is_new = False
                    elif create:
                        start = datetime.fromtimestamp(now, UTC)
                        current = Subscription(channel=channel, schedule=Schedule(), active_since=start)
                        is_new = True
                    else:
                        raise NotSubscribed(channel)
                    changed = edit(current)
                    fields = {
                        "cfg": changed.schedule.to_json(),
                        "changed_by": by[:200],
                        "changed_at": epoch_text(datetime.fromtimestamp(now, UTC)),
                    }
                    if is_new:
                        fields["created_at"] = fields["changed_at"]
                    if changed.active_since is not None:
                        fields["active_since"] = epoch_text(changed.active_since)
                    if changed.paused:
                        fields["paused"] = "1"
                        fields["paused_reason"] = changed.paused_reason or ""
                        if changed.paused_at:
                            fields["paused_at"] = epoch_text(changed.paused_at)
                    pipe.multi()
                    pipe.hset(key, mapping=fields)
                    if changed.active_since is None:
                        pipe.hdel(key, "active_since")
                    if not changed.paused:
                        pipe.hdel(key, "paused", "paused_reason", "paused_at")
                    pipe.hincrby(key, "v", 1)
                    results = await pipe.execute()
                    break
                except WatchError:
                    continue
        if is_new:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.sadd(self._keys.platforms(), channel.platform)
                pipe.sadd(self._keys.team_channels(channel.platform, channel.team), channel.channel)
                await pipe.execute()
        await self.sync_due(channel)
        stamp = datetime.fromtimestamp(float(fields["changed_at"]), UTC)
        return replace(
            changed,
            version=int(results[-1]),
            changed_by=fields["changed_by"],
            changed_at=stamp,
            created_at=changed.created_at or stamp,
            active_since=_stamp(fields.get("active_since")),
        )


def _started_after_today(sub: Subscription, now: datetime) -> bool:
    """True when the daily post started after today's post time (today is not owed)."""
    try:
        return sched.started_after(sub.schedule, sub.active_since, sched.local_today(sub.schedule, now))
    except ZoneUnavailable:
        return False


def _stamp(text: str | None) -> datetime | None:
    return datetime.fromtimestamp(float(text), UTC) if text else None
