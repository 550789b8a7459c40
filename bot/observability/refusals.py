"""Requests refused at the door: counted in a metric, logged as one short line, never a flood.

`Refusals.refuse(kind, size=..., source=...)` is called by the HTTP server and the Slack request
screening for every request or connection they turn away (a bad signature, a body over the limit, a
client that stalled...). Each refusal:

* counts in `papers_http_refused_total{kind}` (every one, however many);
* is logged as one line, `refused <kind> (<size> bytes) from <source>: <detail>`, never with the
  request's body or headers, while the kind's token bucket (token-bucket's `Limiter`: `burst`
  lines at once, then `rate` a second) allows it;
* otherwise is held back, and every `summary_seconds` one line sums up what was held back:
  `refused 51234 more requests in the last 60 s (not logged one by one): bad_signature=50000, ...`.

So a flood of any size writes at most `burst + rate x seconds` lines per kind, plus one summary a
minute. `kind` must come from our own code (it is a metric label), `source` is a peer address.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections import Counter
from http import HTTPStatus
from typing import Any

import token_bucket
from aiohttp import web

from bot.observability.metrics import HTTP_REFUSED

log = logging.getLogger(__name__)

MAX_DETAIL = 120  # characters of the free-text detail kept in a line


class Refusal(Exception):
    """A request turned away: HTTP `status`, `kind` for the logs and the metric, a short `detail`.

    Its answer is `{"error": kind}` and closes the connection (a refused client gets no
    keep-alive to send its next try on); 503 adds Retry-After: 1.
    """

    def __init__(self, status: int, kind: str, detail: str = "") -> None:
        super().__init__(f"{status} {kind}")
        self.status = status
        self.kind = kind
        self.detail = detail

    def _headers(self) -> dict[str, str]:
        return {"Retry-After": "1"} if self.status == 503 else {}

    def response(self) -> web.Response:
        """The answer as an aiohttp response (in a handler)."""
        response = web.json_response({"error": self.kind}, status=self.status, headers=self._headers())
        response.force_close()
        return response

    def raw(self) -> bytes:
        """The same answer as the bytes of an HTTP/1.1 response (before any framework saw the request)."""
        return _raw_response(self.status, self.kind)


@functools.lru_cache(maxsize=64)
def _raw_response(status: int, kind: str) -> bytes:
    body = json.dumps({"error": kind}).encode()
    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "Content-Type: application/json; charset=utf-8",
            f"Content-Length: {len(body)}", "Connection: close"]  # fmt: skip
    if status == 503:
        head.append("Retry-After: 1")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Refusals:
    """Counts and logs refused requests; see the module docstring. Call from the event loop."""

    def __init__(
        self,
        logger: logging.Logger | None = None,
        *,
        rate: float = 0.2,
        burst: int = 5,
        summary_seconds: float = 60.0,
    ) -> None:
        self._log = logger or log
        self._limiter = token_bucket.Limiter(rate, burst, token_bucket.MemoryStorage())
        self.summary_seconds = summary_seconds
        self.held_back: Counter[str] = Counter()  # kind -> refusals not logged since the last summary
        self._summary: asyncio.TimerHandle | None = None
        self._counters: dict[str, Any] = {}  # kind -> its child of HTTP_REFUSED

    def refuse(
        self, kind: str, *, size: int | None = None, source: str | None = None, detail: str = ""
    ) -> None:
        """Count one refusal of `kind`; log it unless this kind is being refused faster than `rate`."""
        counter = self._counters.get(kind)
        if counter is None:
            counter = self._counters[kind] = HTTP_REFUSED.labels(kind)
        counter.inc()
        if self._limiter.consume(kind):
            self._log.info(
                "refused %s (%s bytes) from %s%s",
                kind,
                "?" if size is None else size,
                source or "?",
                f": {detail[:MAX_DETAIL]}" if detail else "",
            )
            return
        self.held_back[kind] += 1
        if self._summary is None:
            self._summary = asyncio.get_running_loop().call_later(self.summary_seconds, self.flush)

    def flush(self) -> None:
        """Log the summary of what was held back now (the timer calls it; so does shutdown)."""
        if self._summary is not None:
            self._summary.cancel()
            self._summary = None
        if not self.held_back:
            return
        kinds = ", ".join(f"{kind}={n}" for kind, n in self.held_back.most_common())
        self._log.warning(
            "refused %d more requests in the last %.0f s (not logged one by one): %s",
            self.held_back.total(),
            self.summary_seconds,
            kinds,
        )
        self.held_back.clear()
