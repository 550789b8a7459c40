"""Requests as Slack sends them to the app: signed (Slack's v0 scheme), form-encoded.

`signature_headers(body)` signs any body, bytes included; `SlackSender` posts slash commands
and button clicks to a running app (adapters.slack.runtime) with response_urls on a FakeSlack
(tests/fakes/slack_api.py). SECRET is the signing secret the tests configure the app with.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.fakes.slack_api import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM, CHANNEL, USER = "T1", "C1", "U1"


def signature_headers(
    body: str | bytes, *, secret: str = SECRET, timestamp: int | str | None = None
) -> dict[str, str]:
    """X-Slack-Request-Timestamp (now, unless given) and X-Slack-Signature for `body`.

    Slack's v0 scheme: "v0=" + hex HMAC-SHA256 of b"v0:{timestamp}:" + body under the signing
    secret (https://api.slack.com/authentication/verifying-requests-from-slack). Computed over
    the raw bytes because slack_sdk's SignatureVerifier.generate_signature decodes the body as
    UTF-8 and the abuse tests sign other bytes too; Bolt checks with slack_sdk's verifier, so a
    difference would fail every signed test.
    """
    raw = body.encode() if isinstance(body, str) else body
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Sent:
    status: int
    seconds: float
    body: str


class SlackSender:
    """Sends requests to the app the way Slack does: form-encoded and signed."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, fake: FakeSlack, secret: str = SECRET
    ) -> None:
        self.session = session
        self.url = url
        self.fake = fake
        self.secret = secret
        self._n = 0

    def headers(
        self, body: str, *, timestamp: int | None = None, signature: str | None = None
    ) -> dict[str, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers |= signature_headers(body, secret=self.secret, timestamp=timestamp)
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        return headers

    async def post(self, body: str, **kwargs: Any) -> Sent:
        retry = kwargs.pop("retry_num", None)
        headers = self.headers(body, **kwargs)
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        started = time.monotonic()
        async with self.session.post(self.url, data=body.encode(), headers=headers) as response:
            text = await response.text()
            return Sent(response.status, time.monotonic() - started, text)

    def command_body(
        self, text: str, *, name: str, user: str = USER, channel: str = CHANNEL, team: str = TEAM,
        trigger_id: str | None = None,
    ) -> str:  # fmt: skip
        self._n += 1
        return urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": team,
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/papers",
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": self.fake.response_url(name),
                "trigger_id": trigger_id or f"trigger.{self._n}.{time.monotonic_ns()}",
            }
        )

    async def command(self, text: str, *, name: str = "cmd", **kwargs: Any) -> Sent:
        post_kwargs = {k: kwargs.pop(k) for k in ("timestamp", "signature", "retry_num") if k in kwargs}
        return await self.post(self.command_body(text, name=name, **kwargs), **post_kwargs)

    async def click(
        self,
        button: dict[str, Any],
        *,
        name: str,
        user: str = USER,
        channel: str = CHANNEL,
        message_ts: str = "1.1",
        message: dict[str, Any] | None = None,
        team: str = TEAM,
        retry_num: int | None = None,
        body: list[str] | None = None,
    ) -> Sent:
        """Click `button` on an ephemeral message, or on `message` (a message in the channel,
        which Slack sends back with the click). `body` (a list) receives the request body, to
        deliver it again with `post(body, retry_num=1)` as Slack redelivers."""
        self._n += 1
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": team, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": "A1",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": message is None,
            },
            "trigger_id": f"trigger.{self._n}.{time.monotonic_ns()}",
            "channel": {"id": channel, "name": "general"},
            "response_url": self.fake.response_url(name),
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b1",
                    "text": button["text"],
                    "value": button["value"],
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if message is not None:
            payload["message"] = {"type": "message", "ts": message_ts, **message}
        encoded = urlencode({"payload": json.dumps(payload)})
        if body is not None:
            body.append(encoded)
        return await self.post(encoded, retry_num=retry_num)
