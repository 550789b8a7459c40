"""The shared cache of Daily Papers lists, in Redis, with single-flight fetching.

One HF request per list day and freshness period, however many replicas or `/papers` calls ask at
once: within a process concurrent callers share one future; across processes one holds the Redis
lock `P:hf:lock:DAY` and fetches while the others poll the cache key. A failed fetch is remembered
for a few seconds (`P:hf:err:DAY`) so its waiters fail fast instead of each retrying HF, but never
past the end of a rate limit HF announced, so that whoever comes back then finds HF asked again.

A day that cannot be had says why as `SourceUnavailable`; when HF rate-limits us its `retry_at`
tells when it will answer again (from the failed fetch, or from the shared record `P:hf:limited`
while the fetch waits for the reset), so `/papers` can say when to come back.

Freshness: a recent day (today or yesterday, UTC: the lists still grow and upvotes still move) is
fresh for `recent_seconds`, an older day for `past_seconds`. A stale copy is kept a while longer
and served when HF is unavailable, so an outage does not stop the daily post.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from redis.asyncio import Redis

from bot.observability import metrics
from bot.papers import Paper
from bot.source.hf_client import SourceUnavailable
from bot.source.rate_limit import RateLimitStore
from bot.store import scripts
from bot.store.keys import Keys

log = logging.getLogger(__name__)

FetchDay = Callable[[date], Awaitable[list[Paper]]]

SLOW = "Hugging Face is slow to answer"
LIMITED = "Hugging Face asked us to wait (rate limited)"


def utc_today() -> date:
    return datetime.now(UTC).date()


class Latest(NamedTuple):
    """`PaperCache.latest_day_with_papers`: the day, its papers (most upvoted first), and the
    failure of a more recent day that could not be read (the latest `retry_at` if several), or None."""

    day: date
    papers: list[Paper]
    unread: SourceUnavailable | None = None


def _retry_order(exc: SourceUnavailable) -> float:
    """Orders failures by when HF will be back (unknown first), to report the latest."""
    return exc.retry_at.timestamp() if exc.retry_at else 0.0


class PaperCache:
    """Daily Papers lists by day, shared through Redis. `fetch` is e.g. `HFSource(...).fetch_day`;
    `limit` is where the replicas share HF's rate limit (`bot.store.rate_limit.SharedRateLimit`)."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        fetch: FetchDay,
        *,
        recent_seconds: float = 600,
        past_seconds: float = 7 * 86400,
        keep_recent_seconds: float = 2 * 86400,
        keep_past_seconds: float = 30 * 86400,
        lock_seconds: float = 90,
        error_seconds: float = 20,
        poll_seconds: float = 0.05,
        clock: Callable[[], float] = time.time,
        limit: RateLimitStore | None = None,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._fetch = fetch
        self.recent_seconds = recent_seconds
        self.past_seconds = past_seconds
        self._keep_recent = keep_recent_seconds
        self._keep_past = keep_past_seconds
        self._lock_ms = int(lock_seconds * 1000)
        self._error_ms = int(error_seconds * 1000)
        self._poll = poll_seconds
        self._clock = clock
        self._limit = limit
        self._inflight: dict[date, asyncio.Future[list[Paper]]] = {}
        self._memo: dict[date, tuple[int, list[Paper]]] = {}
        self.fetches = 0  # HF fetches this process made (tests and benchmarks read it)

    # --- public -----------------------------------------------------------------------------

    async def papers_for_day(
        self, day: date, *, today: date | None = None, wait: float | None = None
    ) -> list[Paper]:
        """The list of `day`, most upvoted first ([] for a future day). Raises SourceUnavailable."""
        result = (await self.days([day], today=today, wait=wait))[day]
        if isinstance(result, SourceUnavailable):
            raise result
        return result

    async def days(
        self, days: Iterable[date], *, today: date | None = None, wait: float | None = None
    ) -> dict[date, list[Paper] | SourceUnavailable]:
        """Several days at once: one pipelined read, then single-flight fetches of what is stale.

        `wait` (seconds; None: as long as the fetches take) bounds the wait for HF, for commands
        that must answer within seconds: a day whose fetch has not finished by then is served from
        its stale copy if there is one, else as SourceUnavailable (with `retry_at` when the fetch
        is waiting for a rate limit's reset), while the fetch goes on and fills the cache.
        """
        today = today or utc_today()
        wanted = [d for d in dict.fromkeys(days)]
        out: dict[date, list[Paper] | SourceUnavailable] = {d: [] for d in wanted if d > today}
        past = [d for d in wanted if d <= today]
        if not past:
            return out
        raws = await scripts.run_batch(self._redis, [("GET", self._keys.hf_day(d)) for d in past])
        refresh: dict[date, str | None] = {}
        for day, raw in zip(past, raws, strict=True):
            if isinstance(raw, Exception):
                raise raw
            if raw is not None and self._fresh(raw, day, today):
                metrics.HF_CACHE.labels("hit").inc()
                out[day] = self._decode(day, raw)
            else:
                metrics.HF_CACHE.labels("miss").inc()
                refresh[day] = raw
        if refresh:
            tasks = {
                day: asyncio.ensure_future(self._refresh(day, today, stale)) for day, stale in refresh.items()
            }
            try:
                await asyncio.wait(tasks.values(), timeout=wait)
            except BaseException:  # cancelled: so are our waits (the shared fetches go on)
                for task in tasks.values():
                    task.cancel()
                raise
            failure: BaseException | None = None
            late = [day for day, task in tasks.items() if not task.done()]
            retry_at = await self._retry_at() if any(refresh[d] is None for d in late) else None
            for day, task in tasks.items():
                if not task.done():  # only this waiter gives up: the shared fetch is shielded, goes on
                    task.cancel()
                    try:
                        out[day] = self._stale_or_raise(
                            day, refresh[day], LIMITED if retry_at else SLOW, retry_at
                        )
                    except SourceUnavailable as exc:
                        out[day] = exc
                    continue
                error = task.exception()
                if error is not None and not isinstance(error, SourceUnavailable):
                    failure = failure or error
                    continue
                out[day] = error or task.result()  # type: ignore[assignment]
            if failure is not None:
                raise failure
        return {d: out[d] for d in wanted}

    async def latest_day_with_papers(
        self, *, today: date | None = None, max_days_back: int = 7, wait: float | None = None
    ) -> Latest | None:
        """The most recent list day (from `today` back) that has papers, for `/papers` without a date;
        None when no day of the last `max_days_back` has any.

        `Latest.unread` tells why a more recent day was passed over when it could not be read
        (rather than being empty). Raises SourceUnavailable when no day with papers was found and
        some day could not be read.
        """
        today = today or utc_today()
        days = [today - timedelta(days=i) for i in range(max_days_back + 1)]
        loop = asyncio.get_running_loop()
        deadline = None if wait is None else loop.time() + wait  # `wait` bounds both reads together
        # Usually today or yesterday has papers: read two days first, the rest only if needed.
        failures: list[SourceUnavailable] = []
        for chunk in (days[:2], days[2:]):
            left = None if deadline is None else max(0.0, deadline - loop.time())
            found = await self.days(chunk, today=today, wait=left)
            for day in chunk:
                papers = found[day]
                if isinstance(papers, SourceUnavailable):
                    failures.append(papers)
                elif papers:
                    return Latest(day, papers, max(failures, key=_retry_order) if failures else None)
        if failures:  # an unreadable day might have had papers: "none" would be a guess
            raise max(failures, key=_retry_order)
        return None

    # --- internals -------------------------------------------------------------------------

    def _fresh_seconds(self, day: date, today: date) -> float:
        return self.recent_seconds if day >= today - timedelta(days=1) else self.past_seconds

    def _keep_seconds(self, day: date, today: date) -> float:
        recent = day >= today - timedelta(days=1)
        return max(self._fresh_seconds(day, today), self._keep_recent if recent else self._keep_past)

    def _fresh(self, raw: str, day: date, today: date) -> bool:
        stamp = int(raw[: raw.index("\n")])
        return stamp / 1000 + self._fresh_seconds(day, today) > self._clock()

    def _decode(self, day: date, raw: str) -> list[Paper]:
        head, _, body = raw.partition("\n")
        stamp = int(head)
        memo = self._memo.get(day)
        if memo and memo[0] == stamp:
            return memo[1]
        papers = [Paper.from_dict(item) for item in json.loads(body)]
        self._memo[day] = (stamp, papers)
        if len(self._memo) > 64:
            self._memo.pop(min(self._memo))
        return papers

    def _encode(self, papers: list[Paper]) -> str:
        body = json.dumps([p.to_dict() for p in papers], separators=(",", ":"), ensure_ascii=False)
        return f"{int(self._clock() * 1000)}\n{body}"

    async def _refresh(self, day: date, today: date, stale: str | None) -> list[Paper]:
        running = self._inflight.get(day)
        if running is None:
            running = asyncio.ensure_future(self._refresh_shared(day, today, stale))
            self._inflight[day] = running
            running.add_done_callback(lambda _f, d=day: self._inflight.pop(d, None))
        return await asyncio.shield(running)

    async def _refresh_shared(self, day: date, today: date, stale: str | None) -> list[Paper]:
        key, lock, err_key = self._keys.hf_day(day), self._keys.hf_lock(day), self._keys.hf_error(day)
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self._lock_ms / 1000 + 5
        while True:
            error = await self._redis.get(err_key)
            if error is not None:
                return self._stale_or_raise(day, stale, error, await self._retry_at())
            if await self._redis.set(lock, token, nx=True, px=self._lock_ms):
                try:
                    return await self._fetch_and_store(day, today, key, err_key, stale)
                finally:
                    await scripts.run_one(self._redis, scripts.UNLOCK, [lock], [token])
            # Someone else is fetching: wait for the value (or its error) to appear.
            while True:
                await asyncio.sleep(self._poll)
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.get(key).get(err_key).exists(lock)
                    raw, error, locked = await pipe.execute()
                if raw is not None and raw != stale and self._fresh(raw, day, today):
                    return self._decode(day, raw)
                if error is not None:
                    return self._stale_or_raise(day, stale, error, await self._retry_at())
                if not locked:
                    break  # the fetcher gave up without a word: try to fetch ourselves
                if time.monotonic() > deadline:
                    return self._stale_or_raise(day, stale, "timed out waiting for another fetch")

    async def _fetch_and_store(
        self, day: date, today: date, key: str, err_key: str, stale: str | None
    ) -> list[Paper]:
        raw = await self._redis.get(key)  # a fetch may have finished just before we took the lock
        if raw is not None and raw != stale and self._fresh(raw, day, today):
            return self._decode(day, raw)
        self.fetches += 1
        try:
            papers = await self._fetch(day)
        except SourceUnavailable as exc:
            remember = self._error_ms
            if exc.retry_at is not None:  # whoever comes back at the reset must find HF asked again
                if self._limit is not None:
                    await self._limit.hold(exc.retry_at.timestamp())
                until_reset = int((exc.retry_at.timestamp() - time.time()) * 1000)
                if until_reset > 0:  # a reset now or past is no reason to ask again at once
                    remember = min(remember, until_reset)
            if remember > 0:
                await self._redis.set(err_key, str(exc) or "unavailable", px=remember)
            return self._stale_or_raise(day, stale, str(exc), exc.retry_at)
        raw = self._encode(papers)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(key, raw, ex=max(1, int(self._keep_seconds(day, today))))
            pipe.delete(err_key)
            await pipe.execute()
        return self._decode(day, raw)

    async def _retry_at(self) -> datetime | None:
        """When HF will answer again, if a replica learned that it is rate limited until then."""
        until = await self._limit.until() if self._limit is not None else None
        return datetime.fromtimestamp(until, UTC) if until is not None else None

    def _stale_or_raise(
        self, day: date, stale: str | None, error: str, retry_at: datetime | None = None
    ) -> list[Paper]:
        if stale is not None:
            metrics.HF_CACHE.labels("stale").inc()
            log.warning("Daily Papers of %s: serving the cached copy (%s)", day, error)
            return self._decode(day, stale)
        raise SourceUnavailable(error, retry_at)
