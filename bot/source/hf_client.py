"""Fetch one day's Daily Papers list over HTTP, politely and robustly.

Busy days exceed the API's default page of 50, so we page with `limit=100&p=K` until a short
page. 429, 5xx, malformed bodies and connection errors are retried (tenacity) up to
HF_MAX_RETRIES times with capped exponential backoff and full jitter, unless the server said when
to come back: then the next request goes out at that moment, plus up to RESET_JITTER so that
replicas do not all return at once. Every header form HF and its kin use is read
(`bot.source.rate_limit`: Retry-After as seconds or a date, `RateLimit`, `RateLimit-Reset`,
`X-RateLimit-*`), on 429s, 5xx and on 200s that say the quota is used up (`r=0`).

A 429 always holds us back for a while: until the moment it names (at least MIN_LIMIT_WAIT), or,
when it names no moment ahead (no rate-limit header, `Retry-After: 0`, a date in the past, `t=0`),
for DEFAULT_LIMIT_WAIT, doubling with each 429 in a row (one that comes after we waited out the
previous one; a success ends the streak), up to the policy's window or MAX_SERVER_WAIT. A 5xx that
names no moment ahead gets the backoff.

A rate limit is remembered ("HF is limited until T") and holds back every later request of this
client and, given a `RateLimitStore` (Redis: `bot.store.rate_limit`), of every replica, so one
429 is enough for all of them. Each replica counts its own streak; the shared T is the latest any
replica set, so the longest wait wins. A fetch waits out a limit of up to `max_wait` (MAX_WAIT) itself;
a longer one ends it at once, without a request, with `SourceUnavailable.retry_at = T`, for the
caller to come back then (the daily loop runs its next pass at T; `/papers` says when).
Whatever still fails surfaces as one exception type, `SourceUnavailable`, that callers can turn
into a friendly sentence.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from bot import __version__
from bot.observability import metrics
from bot.papers import Paper
from bot.settings import Settings
from bot.source.hf_parse import parse_items
from bot.source.rate_limit import MAX_SERVER_WAIT, RateLimitStore, policy_window, server_wait

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGES = 20  # 2,000 papers: far above any real day; stops a server that ignores `p`
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
#: Longest rate limit (seconds) a fetch waits out itself. It stays below the cache's 90 s
#: single-flight lock (bot.store.lists); a longer limit ends the fetch with `retry_at`.
MAX_WAIT = 60.0
#: Up to this many seconds are added to a server-given wait, so replicas do not return at once.
RESET_JITTER = 0.5
#: Seconds a 429 that names no moment ahead holds every request back (doubling on repeats).
DEFAULT_LIMIT_WAIT = 10.0
#: Seconds any 429 holds every request back, at the least: HF's resets are whole seconds, and a
#: server saying "in 1 ms" again and again must not be asked a thousand times a second.
MIN_LIMIT_WAIT = 1.0
USER_AGENT = f"papers-bot/{__version__} (+https://github.com/papers-bot/papers-bot)"

Progress = Callable[[int, int], None]  # (page number, papers so far)


class SourceUnavailable(Exception):
    """The paper source could not be reached or gave no usable answer after retries.

    `retry_at` (an aware UTC datetime) is set when the source asked us to wait until then (a
    rate limit, or a 503 with Retry-After): asking again before it is pointless.
    """

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class _Retryable(Exception):
    def __init__(self, reason: str, until: float | None = None) -> None:
        super().__init__(reason)
        self.until = until  # Unix time the server asked us to wait until, if it said


def _utc(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


def _clock_text(moment: float) -> str:
    """`moment` as "HH:MM:SS UTC", rounded up: never a time before it."""
    return f"{_utc(math.ceil(moment)):%H:%M:%S} UTC"


class HFSource:
    """Daily Papers over one shared `httpx.AsyncClient`. Use as an async context manager.

    `sleep` and `clock` (Unix seconds) are injectable for tests; `shared` makes rate limits known
    to (and learned from) the other replicas; `max_wait`: see MAX_WAIT.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        backoff_base: float = BACKOFF_BASE,
        max_wait: float = MAX_WAIT,
        shared: RateLimitStore | None = None,
    ) -> None:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if settings.hf_token is not None:
            headers["Authorization"] = f"Bearer {settings.hf_token.get_secret_value()}"
        self._client = httpx.AsyncClient(
            base_url=settings.hf_base,
            headers=headers,
            timeout=httpx.Timeout(settings.hf_timeout_seconds),
            follow_redirects=True,
        )
        self._max_retries = settings.hf_max_retries
        self.last_ok_at: datetime | None = None  # reported by /healthz
        self.last_error_at: datetime | None = None
        self.last_error: str | None = None
        self._sleep = sleep
        self._clock = clock
        self._backoff = wait_random_exponential(multiplier=backoff_base, max=BACKOFF_CAP)
        self._max_wait = max_wait
        self._shared = shared
        self._until = 0.0  # Unix time HF asked us to wait until (0: never)
        self._refusals = 0  # 429s in a row, each after the previous limit ended

    @property
    def limited_until(self) -> datetime | None:
        """When the rate limit this client knows of ends, if it is still ahead (for /healthz)."""
        return _utc(self._until) if self._until > self._clock() else None

    async def __aenter__(self) -> HFSource:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch_day(self, day: date, progress: Progress | None = None) -> list[Paper]:
        """All papers listed on `day`, most upvoted first. Raises SourceUnavailable.

        Each page is parsed as it arrives, so a busy day never holds all its raw JSON at once.
        """
        papers: dict[str, Paper] = {}
        for page in range(MAX_PAGES):
            batch = await self._get_page(day, page)
            parsed = parse_items(batch, day)
            if parsed and all(p.id in papers for p in parsed):
                break  # a server that ignores `p` would repeat page 0 forever
            for paper in parsed:
                papers.setdefault(paper.id, paper)
            if progress:
                progress(page + 1, len(papers))
            if len(batch) < PAGE_SIZE:
                break
        return list(papers.values())

    async def _get_page(self, day: date, page: int) -> list[Any]:
        try:
            body = await self._get_page_with_retries(day, page)
        except SourceUnavailable as exc:
            self.last_error_at, self.last_error = datetime.now(UTC), str(exc)
            raise
        self.last_ok_at = datetime.now(UTC)
        return body

    async def _get_page_with_retries(self, day: date, page: int) -> list[Any]:
        params = {"date": day.isoformat(), "limit": PAGE_SIZE, "p": page}
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_Retryable),
            wait=self._wait,
            stop=stop_after_attempt(self._max_retries + 1) | self._wait_too_long,
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return await retrying(self._attempt, params)
        except _Retryable as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            message = f"Hugging Face papers API unavailable ({exc}) after {attempts} attempts"
            if exc.until is None:
                raise SourceUnavailable(message) from None
            raise SourceUnavailable(
                f"{message}; it asked us to come back at {_clock_text(exc.until)}", _utc(exc.until)
            ) from None

    async def _attempt(self, params: dict[str, Any]) -> list[Any]:
        await self._hold_back()
        try:
            body = await self._request(params)
        except _Retryable:
            metrics.HF_REQUESTS.labels("retryable").inc()
            raise
        metrics.HF_REQUESTS.labels("ok").inc()
        return body

    def _wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: until the server's reset if it gave one, else backoff."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.until is not None:
            return max(0.0, exc.until - self._clock()) + random.uniform(0, RESET_JITTER)
        return self._backoff(state)

    def _wait_too_long(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        return (
            isinstance(exc, _Retryable)
            and exc.until is not None
            and exc.until - self._clock() > self._max_wait
        )

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.upcoming_sleep
        log.warning("HF API %s; retry %d in %.1fs", exc, state.attempt_number, delay)

    async def _hold_back(self) -> None:
        """Wait out a rate limit learned earlier (by this client or, through `shared`, another
        replica) before a request; raise SourceUnavailable at once if it is longer than max_wait."""
        if self._shared is not None:
            shared = await self._shared.until() or 0.0  # read first: `_until` may grow meanwhile
            self._until = max(self._until, shared)
        wait = self._until - self._clock()
        if wait <= 0:
            return
        if wait > self._max_wait:
            raise SourceUnavailable(
                f"Hugging Face asked us to wait until {_clock_text(self._until)} (rate limited)",
                _utc(self._until),
            )
        wait += random.uniform(0, RESET_JITTER)
        log.info("HF API rate limited: waiting %.1fs for its reset", wait)
        await self._sleep(wait)

    async def _learn(self, response: httpx.Response) -> float | None:
        """The Unix time the response asks us to wait until (on a 429, always one ahead: see the
        module docstring), if it says; remembered and shared."""
        now = self._clock()
        wait = server_wait(response.status_code, response.headers, now)
        if response.status_code == 429:
            if now >= self._until:  # not one of several requests refused at once
                self._refusals += 1
            wait = self._refusal_wait(wait, policy_window(response.headers))
        elif response.status_code < 300:
            self._refusals = 0
        if wait is None:
            return None
        until = now + wait
        if until > self._until:
            self._until = until
            if self._shared is not None:
                await self._shared.hold(until)
        return until

    def _refusal_wait(self, server: float | None, window: float | None) -> float:
        """Seconds a 429 holds us back: the server's wait if it names one (at least MIN_LIMIT_WAIT),
        else DEFAULT_LIMIT_WAIT doubled per earlier 429 in a row, within `window` (the policy's, if
        stated) and MAX_SERVER_WAIT."""
        if server is not None:
            return max(server, MIN_LIMIT_WAIT)
        default = DEFAULT_LIMIT_WAIT * 2 ** min(self._refusals - 1, 16)
        return min(default, window or MAX_SERVER_WAIT, MAX_SERVER_WAIT)

    async def _request(self, params: dict[str, Any]) -> list[Any]:
        try:
            response = await self._client.get("/api/daily_papers", params=params)
        except httpx.TimeoutException:
            raise _Retryable("timed out") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection failed: {type(exc).__name__}") from None
        until = await self._learn(response)
        if response.status_code == 429:
            raise _Retryable("rate limited (429)", until)
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}", until)
        if response.status_code != 200:
            metrics.HF_REQUESTS.labels("refused").inc()
            raise SourceUnavailable(f"Hugging Face papers API answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise _Retryable("malformed JSON") from None
        if not isinstance(body, list):
            raise _Retryable("unexpected response shape")
        return body
