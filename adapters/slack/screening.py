"""What a request to /slack/events must pass before its body is parsed, cheapest check first.

`SlackScreen.verified_text(request)` returns the body of a request Slack signed, as text, or
raises `Refused` (status, kind) without having parsed anything:

1. headers only: `Content-Length` at most MAX_BODY (413), a form or JSON `Content-Type` in UTF-8
   (415), no `Content-Encoding` (415), one `X-Slack-Request-Timestamp` of at most 12 digits within
   5 minutes of now (401), one `X-Slack-Signature` of the form `v0=<64 hex digits>` (401);
2. the body, read by the connection's read deadline (408), within the memory budget for bodies
   in flight (503), and at most MAX_BODY long when it comes without a length (413);
3. valid UTF-8 (400) and the HMAC of Slack's signing scheme (slack_sdk's SignatureVerifier, 401).

An `ssl_check=1` form of a few bytes, which Slack may send unsigned (Bolt answers it without a
signature too), is answered 200 here: `verified_text` returns None.

MAX_BODY fits the largest request this app can get, with a margin: a slash command of 40,000
characters (Slack's message length limit; longer text is cut) where every character is a 4-byte
UTF-8 sequence, percent-encoded to 12 bytes, is 480,000 bytes plus about 1 KB of other fields. A
click on a listing's button (block_actions) is smaller: the message it carries holds at most
13,000 characters of blocks (Slack's msg_blocks_too_long) plus our text fallback, JSON-escaped and
percent-encoded. The app opens no modals and subscribes to no events (slack-manifest.yml).

Memory: bodies up to SMALL_BODY are read freely (the cap on connections bounds them); larger ones
share LARGE_BODIES_IN_FLIGHT bytes, and one that does not fit is refused 503 at once, so slow
large bodies cannot pile up. Real commands are about 1 KB.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError
from slack_sdk.signature import SignatureVerifier

from bot.observability.server import body_read, read_deadline

MAX_BODY = 640 * 1024
SMALL_BODY = 32 * 1024
LARGE_BODIES_IN_FLIGHT = 16 * 1024 * 1024
SSL_CHECK_MAX = 256  # bytes of an ssl_check form (ssl_check=1&token=...)
MAX_SKEW = 5 * 60  # seconds a timestamp may be off (Slack's rule; slack_sdk's verifier)
CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "application/json"})
TIMESTAMP = re.compile(r"[0-9]{1,12}\Z")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}\Z")


class Refused(Exception):
    """A request turned away: HTTP `status`, and `kind` for the logs and the metric."""

    def __init__(self, status: int, kind: str, detail: str = "") -> None:
        super().__init__(f"{status} {kind}")
        self.status = status
        self.kind = kind
        self.detail = detail

    def response(self) -> web.Response:
        headers = {"Retry-After": "1"} if self.status == 503 else None
        return web.json_response({"error": self.kind}, status=self.status, headers=headers)


class BodyBudget:
    """Bytes of large request bodies allowed in memory at once (see the module docstring)."""

    def __init__(self, limit: int = LARGE_BODIES_IN_FLIGHT, small: int = SMALL_BODY) -> None:
        self.limit = limit
        self.small = small
        self.in_use = 0

    def reserve(self, size: int) -> int:
        """Reserve `size` bytes; returns what to give back to `release` (0 for a small body).
        Refused(503) when the budget cannot take it now."""
        if size <= self.small:
            return 0
        if self.in_use + size > self.limit:
            raise Refused(503, "busy", f"{self.in_use} bytes of bodies in flight")
        self.in_use += size
        return size

    def release(self, reserved: int) -> None:
        self.in_use -= reserved


class SlackScreen:
    """The checks of the module docstring for one app's signing secret."""

    def __init__(
        self,
        signing_secret: str,
        *,
        max_body: int = MAX_BODY,
        budget: BodyBudget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.max_body = max_body
        self.budget = budget or BodyBudget()
        self.clock = clock

    async def verified_text(self, request: web.Request) -> str | None:
        """The signed body as text; None for an ssl_check (answer 200). Refused otherwise."""
        length = self._check_entity_headers(request)
        if length is not None and length <= SSL_CHECK_MAX and request.content_type != "application/json":
            body = await self._read(request)
            if _is_ssl_check(body):
                return None
            stamp, signature = self._check_signature_headers(request)
            return self._verify(body, stamp, signature)
        stamp, signature = self._check_signature_headers(request)
        reserved = self.budget.reserve(self.max_body if length is None else length)
        try:
            return self._verify(await self._read(request), stamp, signature)
        finally:
            self.budget.release(reserved)

    def _verify(self, body: bytes, stamp: str, signature: str) -> str:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "bad_encoding", "body is not UTF-8") from None
        if not self.verifier.is_valid(text, stamp, signature):
            raise Refused(401, "bad_signature", "signature does not match the body")
        return text

    def _check_entity_headers(self, request: web.Request) -> int | None:
        """Content-Length (None: chunked), after the checks on size, type and encoding."""
        length = request.content_length
        if length is not None and length > self.max_body:
            raise Refused(413, "too_large", f"Content-Length {length} > {self.max_body}")
        if len(request.headers.getall("Content-Type", ())) > 1:
            raise Refused(400, "bad_headers", "Content-Type given twice")
        if request.content_type not in CONTENT_TYPES:
            raise Refused(415, "content_type", request.content_type[:40])
        if (request.charset or "utf-8").lower() not in ("utf-8", "utf8"):
            raise Refused(415, "content_type", f"charset {request.charset[:20]}")
        if request.headers.get("Content-Encoding", "identity").lower() != "identity":
            raise Refused(415, "content_encoding", "Slack never compresses a request")
        return length

    def _check_signature_headers(self, request: web.Request) -> tuple[str, str]:
        stamps = request.headers.getall("X-Slack-Request-Timestamp", ())
        signatures = request.headers.getall("X-Slack-Signature", ())
        if not stamps or not signatures:
            raise Refused(401, "unsigned", "no X-Slack-Signature or X-Slack-Request-Timestamp")
        if len(stamps) > 1 or len(signatures) > 1:
            raise Refused(400, "bad_headers", "signature headers given twice")
        stamp, signature = stamps[0], signatures[0]
        if not TIMESTAMP.match(stamp):
            raise Refused(401, "bad_timestamp", "X-Slack-Request-Timestamp is not a number of seconds")
        if abs(self.clock() - int(stamp)) > MAX_SKEW:
            raise Refused(401, "stale_timestamp", "more than 5 minutes off")
        if not SIGNATURE.match(signature):
            raise Refused(401, "bad_signature", "X-Slack-Signature is not v0=<64 hex digits>")
        return stamp, signature

    async def _read(self, request: web.Request) -> bytes:
        """The body, by the connection's read deadline, at most max_body bytes."""
        try:
            async with asyncio.timeout_at(read_deadline(request)):
                body = await request.read()
            body_read(request)
            return body
        except TimeoutError:
            raise Refused(408, "read_timeout", "the body did not arrive in time") from None
        except web.HTTPRequestEntityTooLarge:
            raise Refused(413, "too_large", f"body over {self.max_body} bytes") from None
        except (RequestPayloadError, ConnectionError) as exc:
            raise Refused(400, "bad_body", type(exc).__name__) from None


def _is_ssl_check(body: bytes) -> bool:
    """Slack's ssl_check: a small form with ssl_check=1 (Bolt answers it 200, unsigned)."""
    if b"ssl_check=1" not in body:
        return False
    try:
        return dict(parse_qsl(body.decode("ascii"))).get("ssl_check") == "1"
    except (UnicodeDecodeError, ValueError):
        return False
