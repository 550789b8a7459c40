"""Fetch one day's Daily Papers list over HTTP, politely and robustly.

Busy days exceed the API's default page of 50, so we page with `limit=100&p=K` until a short
page. 429, 5xx, malformed bodies and connection errors are retried with capped exponential
backoff and full jitter (a 429's `Retry-After` is honoured); whatever still fails surfaces as
one exception type, `SourceUnavailable`, that callers can turn into a friendly sentence.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot import __version__
from bot.observability import metrics
from bot.papers import Paper
from bot.settings import Settings
from bot.source.hf_parse import parse_items

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGES = 20  # 2,000 papers: far above any real day; stops a server that ignores `p`
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
USER_AGENT = f"papers-bot/{__version__} (+https://github.com/papers-bot/papers-bot)"

Progress = Callable[[int, int], None]  # (page number, papers so far)


class SourceUnavailable(Exception):
    """The paper source could not be reached or gave no usable answer after retries."""


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


class HFSource:
    """Daily Papers over one shared `httpx.AsyncClient`. Use as an async context manager."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backoff_base: float = BACKOFF_BASE,
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
        self._backoff_base = backoff_base

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
        for attempt in range(self._max_retries + 1):
            try:
                body = await self._request(params)
                metrics.HF_REQUESTS.labels("ok").inc()
                return body
            except _Retryable as exc:
                metrics.HF_REQUESTS.labels("retryable").inc()
                if attempt == self._max_retries:
                    raise SourceUnavailable(
                        f"Hugging Face papers API unavailable ({exc}) after {attempt + 1} attempts"
                    ) from None
                delay = self._delay(attempt, exc.retry_after)
                log.warning("HF API %s; retry %d in %.1fs", exc, attempt + 1, delay)
                await self._sleep(delay)
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, BACKOFF_CAP * 4)
        return random.uniform(0, min(BACKOFF_CAP, self._backoff_base * 2**attempt))

    async def _request(self, params: dict[str, Any]) -> list[Any]:
        try:
            response = await self._client.get("/api/daily_papers", params=params)
        except httpx.TimeoutException:
            raise _Retryable("timed out") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection failed: {type(exc).__name__}") from None
        if response.status_code == 429:
            raise _Retryable("rate limited (429)", _retry_after(response))
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}")
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
