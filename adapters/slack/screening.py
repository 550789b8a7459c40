"""What a request to /slack/events must pass before its body is parsed, cheapest check first.

`SlackScreen` refuses (raises `Refusal`: status, kind) without having parsed anything:

1. from the headers: `Content-Length` at most MAX_BODY (413), a form or JSON `Content-Type` in
   UTF-8 (415), no `Content-Encoding` (415), one `X-Slack-Request-Timestamp` of at most 12 digits
   within 5 minutes of now (401), one `X-Slack-Signature` of the form `v0=<64 hex digits>` (401);
2. the body, read by the connection's read deadline (408), within the memory budget for bodies
   in flight (503), and at most MAX_BODY long when it comes without a length (413);
3. valid UTF-8 (400) and the HMAC of Slack's signing scheme (slack_sdk's SignatureVerifier, 401).

It runs twice over: as the HTTP server's `prescreen` of each connection's first request (bodies up
to MAX_PRESCREEN_BODY are checked there too), and in the aiohttp handler (`verified_text`), which
every request passes whatever came before. An `ssl_check=1` form of a few bytes, which Slack may send
unsigned, is answered 200: `verified_text` returns None.

Limits: bodies up to SMALL_BODY are read freely; larger ones share LARGE_BODIES_IN_FLIGHT bytes, and
one that does not fit is refused 503 at once. How MAX_BODY and the memory budget were sized, and why
the screen runs before aiohttp: docs/reliability.md, "Screening a request to /slack/events".
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.helpers import parse_mimetype
from aiohttp.web_protocol import RequestPayloadError
from multidict import CIMultiDict, CIMultiDictProxy
from slack_sdk.signature import SignatureVerifier

from bot.observability.refusals import Refusal
from bot.observability.server import MAX_PRESCREEN_BODY, body_read, read_deadline

MAX_BODY = 640 * 1024
SMALL_BODY = 32 * 1024
LARGE_BODIES_IN_FLIGHT = 16 * 1024 * 1024
SSL_CHECK_MAX = 256  # bytes of an ssl_check form (ssl_check=1&token=...)
MAX_SKEW = 5 * 60  # seconds a timestamp may be off (Slack's rule; slack_sdk's verifier)
CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "application/json"})
TIMESTAMP = re.compile(r"[0-9]{1,12}\Z")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}\Z")
LENGTH = re.compile(r"[0-9]{1,15}\Z")

Headers = CIMultiDict[str] | CIMultiDictProxy[str]


class BodyBudget:
    """Bytes of large request bodies allowed in memory at once (see the module docstring)."""

    def __init__(self, limit: int = LARGE_BODIES_IN_FLIGHT, small: int = SMALL_BODY) -> None:
        self.limit = limit
        self.small = small
        self.in_use = 0

    def reserve(self, size: int) -> int:
        """Reserve `size` bytes; returns what to give back to `release` (0 for a small body).
        Refusal(503) when the budget cannot take it now."""
        if size <= self.small:
            return 0
        if self.in_use + size > self.limit:
            raise Refusal(503, "busy", f"{self.in_use} bytes of bodies in flight")
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
        path: str = "/slack/events",
        max_body: int = MAX_BODY,
        budget: BodyBudget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.path = path
        self.max_body = max_body
        self.budget = budget or BodyBudget()
        self.clock = clock

    # --- before aiohttp (bot.observability.server's prescreen) ------------------------------------

    def prescreen(self, method: str, path: str, headers: CIMultiDict[str], body: bytes | None) -> int | None:
        """Refusal for a request to refuse from its head (or small body); else None, or how many
        bytes of body to be called again with. Anything unusual is left to aiohttp (None)."""
        if method != "POST" or path != self.path or "Transfer-Encoding" in headers or "Expect" in headers:
            return None
        lengths = headers.getall("Content-Length", ())
        if len(lengths) != 1 or not LENGTH.match(lengths[0]):
            return None  # aiohttp's parser answers malformed framing
        length = int(lengths[0])
        if body is None:
            self.check_headers(headers, length)
            if length > SSL_CHECK_MAX:  # (a smaller one may be an unsigned ssl_check)
                self.check_signature_headers(headers)
            return length if 0 < length <= MAX_PRESCREEN_BODY else None  # larger: read within the budget
        if len(body) <= SSL_CHECK_MAX and _is_ssl_check(body):
            return None
        stamp, signature = self.check_signature_headers(headers)
        self.verify(body, stamp, signature)
        return None

    # --- in the aiohttp handler -------------------------------------------------------------------

    async def verified_text(self, request: web.Request) -> str | None:
        """The signed body of `request` as text; None for an ssl_check (answer 200). Refusal otherwise."""
        length = request.content_length
        self.check_headers(request.headers, length)
        if length is not None and length <= SSL_CHECK_MAX and "json" not in request.content_type:
            body = await self._read(request)
            if _is_ssl_check(body):
                return None
            stamp, signature = self.check_signature_headers(request.headers)
            return self.verify(body, stamp, signature)
        stamp, signature = self.check_signature_headers(request.headers)
        reserved = self.budget.reserve(self.max_body if length is None else length)
        try:
            return self.verify(await self._read(request), stamp, signature)
        finally:
            self.budget.release(reserved)

    async def _read(self, request: web.Request) -> bytes:
        """The body, by the connection's read deadline, at most max_body bytes."""
        try:
            async with asyncio.timeout_at(read_deadline(request)):
                body = await request.read()
        except TimeoutError:
            raise Refusal(408, "read_timeout", "the body did not arrive in time") from None
        except web.HTTPRequestEntityTooLarge:
            raise Refusal(413, "too_large", f"body over {self.max_body} bytes") from None
        except (RequestPayloadError, ConnectionError) as exc:
            raise Refusal(400, "bad_body", type(exc).__name__) from None
        body_read(request)
        return body

    # --- the checks ---------------------------------------------------------------------------

    def check_headers(self, headers: Headers, length: int | None) -> None:
        """Size (`length`: Content-Length, None when chunked), type and encoding of the body."""
        if length is not None and length > self.max_body:
            raise Refusal(413, "too_large", f"Content-Length {length} > {self.max_body}")
        types = headers.getall("Content-Type", ())
        if len(types) > 1:
            raise Refusal(400, "bad_headers", "Content-Type given twice")
        mime = parse_mimetype(types[0] if types else "")
        if f"{mime.type}/{mime.subtype}" not in CONTENT_TYPES:
            raise Refusal(415, "content_type", f"{mime.type}/{mime.subtype}"[:40])
        if mime.parameters.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
            raise Refusal(415, "content_type", "charset " + mime.parameters["charset"][:20])
        if headers.get("Content-Encoding", "identity").lower() != "identity":
            raise Refusal(415, "content_encoding", "Slack never compresses a request")

    def check_signature_headers(self, headers: Headers) -> tuple[str, str]:
        """(timestamp, signature) from their headers, when both are there once and well-formed."""
        stamps = headers.getall("X-Slack-Request-Timestamp", ())
        signatures = headers.getall("X-Slack-Signature", ())
        if not stamps or not signatures:
            raise Refusal(401, "unsigned", "no X-Slack-Signature or X-Slack-Request-Timestamp")
        if len(stamps) > 1 or len(signatures) > 1:
            raise Refusal(400, "bad_headers", "signature headers given twice")
        stamp, signature = stamps[0], signatures[0]
        if not TIMESTAMP.match(stamp):
            raise Refusal(401, "bad_timestamp", "X-Slack-Request-Timestamp is not a number of seconds")
        if abs(self.clock() - int(stamp)) > MAX_SKEW:
            raise Refusal(401, "stale_timestamp", "more than 5 minutes off")
        if not SIGNATURE.match(signature):
            raise Refusal(401, "bad_signature", "X-Slack-Signature is not v0=<64 hex digits>")
        return stamp, signature

    def verify(self, body: bytes, stamp: str, signature: str) -> str:
        """`body` as text, when it is UTF-8 and Slack signed it."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refusal(400, "bad_encoding", "body is not UTF-8") from None
        if not self.verifier.is_valid(text, stamp, signature):
            raise Refusal(401, "bad_signature", "signature does not match the body")
        return text


def _is_ssl_check(body: bytes) -> bool:
    """Slack's ssl_check: a small form with ssl_check=1 (Bolt answers it 200, unsigned)."""
    if b"ssl_check=1" not in body:
        return False
    try:
        return dict(parse_qsl(body.decode("ascii"))).get("ssl_check") == "1"
    except (UnicodeDecodeError, ValueError):
        return False
