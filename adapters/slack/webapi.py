"""The Slack Web API client the app shares, and what Slack's errors mean for a daily post.

One `AsyncWebClient` per process, on one aiohttp session (connections are reused), with
`base_url = SLACK_API_URL` (a proxy, or a local fake in tests) and two retry handlers: connection
errors once, and slack_sdk's rate-limit handler, which waits out a 429's `Retry-After` and tries
again. A wait longer than `MAX_RATE_LIMIT_WAIT` is not slept through here: the 429 surfaces and the
daily engine reschedules the post for after it (DeliveryFailed.retry_after).
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.daily.errors import ChannelGone, DeliveryError, DeliveryFailed

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 15.0  # seconds for one Web API call
MAX_RATE_LIMIT_WAIT = 30.0  # longer Retry-After: give the post back to the engine instead of sleeping
RATE_LIMIT_RETRIES = 2

# Errors about one channel: the post can never get there as things stand, so the engine pauses
# the channel with this reason (shown by `/papers status`; keep it under 100 characters).
CHANNEL_GONE = {
    "channel_not_found": "channel_not_found: Slack can't find this channel for the app",
    "not_in_channel": "not_in_channel: invite the app to this channel, then /papers resume",
    "is_archived": "is_archived: the channel is archived",
    "channel_is_archived": "is_archived: the channel is archived",
    "restricted_action": "restricted_action: the app may not post in this channel",
    "restricted_action_read_only_channel": "restricted_action: the channel is read-only for the app",
    "restricted_action_thread_only_channel": "restricted_action: the channel only allows thread replies",
    "restricted_action_non_threadable_channel": "restricted_action: the app may not post in this channel",
    "team_access_not_granted": "team_access_not_granted: the app has no access to this channel",
    "ekm_access_denied": "ekm_access_denied: the workspace's key management blocks the app",
}
# Errors about the token or the app, not one channel: pausing every channel for them would turn
# a fixable configuration slip into a manual `/papers resume` everywhere, so they are retried
# (with the engine's backoff, up to DAILY_MAX_ATTEMPTS a day) and logged loudly instead.
TOKEN_PROBLEMS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                  "missing_scope", "no_permission", "org_login_required"}  # fmt: skip


class CappedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's rate-limit retry handler, but only for waits of at most `max_wait` seconds."""

    def __init__(
        self, max_retry_count: int = RATE_LIMIT_RETRIES, max_wait: float = MAX_RATE_LIMIT_WAIT
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response.headers)
        return wait is None or wait <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("rate-limit retry without a response")
        state.next_attempt_requested = True
        wait = retry_after(response.headers)
        await asyncio.sleep((1.0 if wait is None else wait) + random.random() * 0.5)
        state.increment_current_attempt()


def retry_handlers() -> list[AsyncRetryHandler]:
    return [AsyncConnectionErrorRetryHandler(max_retry_count=1), CappedRateLimitRetryHandler()]


def new_session() -> aiohttp.ClientSession:
    """The process's HTTP session for the Web API (create it inside the running loop)."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))


def build_client(token: str, base_url: str, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        timeout=int(REQUEST_TIMEOUT),
        retry_handlers=retry_handlers(),
        logger=logging.getLogger("adapters.slack.sdk"),
    )


def retry_after(headers: Any) -> float | None:
    """Seconds from a `Retry-After` header (str, or a list of str), if present and sane."""
    if not headers:
        return None
    value: Any = None
    for key in headers:
        if str(key).lower() == "retry-after":
            value = headers[key]
            break
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if 0 <= seconds < 86400 else None


def error_code(exc: SlackApiError) -> str:
    response = exc.response
    try:
        return str(response.get("error") or "") or f"http_{response.status_code}"
    except Exception:
        return "unknown_error"


def delivery_error(exc: BaseException) -> DeliveryError:
    """What a failed `chat.postMessage` means for the engine: ChannelGone or DeliveryFailed."""
    if isinstance(exc, SlackApiError):
        code = error_code(exc)
        status = getattr(exc.response, "status_code", 200)
        if code in CHANNEL_GONE:
            return ChannelGone(CHANNEL_GONE[code])
        if status == 429 or code in ("ratelimited", "rate_limited"):
            wait = retry_after(getattr(exc.response, "headers", None))
            return DeliveryFailed("ratelimited: Slack asked to slow down", retry_after=wait)
        if code in TOKEN_PROBLEMS:
            log.error("Slack rejected the bot token (%s): check SLACK_BOT_TOKEN and the app's scopes", code)
            return DeliveryFailed(f"{code}: Slack rejected the bot token; check SLACK_BOT_TOKEN")
        if status >= 500:
            return DeliveryFailed(f"Slack answered HTTP {status}")
        return DeliveryFailed(f"{code}: Slack refused the post")
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return DeliveryFailed("timeout: Slack did not answer in time")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return DeliveryFailed(f"network: {type(exc).__name__}: {exc}"[:200])
    return DeliveryFailed(f"{type(exc).__name__}: {exc}"[:200])
