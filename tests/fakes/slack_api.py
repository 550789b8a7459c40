"""A local stand-in for Slack: the Web API (`SLACK_API_URL`), response_urls and Socket Mode.

Like tests/fakes/hf.py it runs its own event loop in a thread, so tests, benchmarks and the app's
event loop all talk to it over real sockets. It records every call:

    fake.calls            [Call(method, params, headers)] for every Web API method
    fake.calls_to(m)      the calls of one method
    fake.responses        [(response_url path, JSON body)] posted to response URLs
    fake.posted(channel)  chat.postMessage calls for one channel

It answers like Slack: auth.test, chat.postMessage (kept per channel with its metadata, so
conversations.history returns it), users.info (from `fake.users`), apps.connections.open (a
ws:// URL of its own Socket Mode endpoint). Script trouble with `fake.fail(method, Reply(...))`:
queued replies (429 with Retry-After, an `ok: false` error, a delay) are used before normal ones.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

BOT_USER = "UBOT"
TEAM = "T1"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Reply:
    """A scripted answer: HTTP status, JSON body, headers, and a delay before it."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": False, "error": "internal_error"})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def error(cls, code: str) -> Reply:
        return cls(200, {"ok": False, "error": code})

    @classmethod
    def ratelimited(cls, retry_after: int = 1) -> Reply:
        return cls(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self.response_times: list[tuple[str, float]] = []  # (name, epoch seconds it arrived)
        self.users: dict[str, dict[str, Any]] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, oldest first
        self.socket_acks: list[dict[str, Any]] = []
        self.socket_connections = 0
        self._faults: dict[str, deque[Reply]] = {}
        self._response_faults: deque[Reply] = deque()
        self._ts = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="fake-slack")
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- scripting -----------------------------------------------------------------------------

    def fail(self, method: str, *replies: Reply) -> None:
        """Answer the next calls of `method` with `replies`, in order."""
        self._faults.setdefault(method, deque()).extend(replies)

    def fail_response(self, *replies: Reply) -> None:
        """Answer the next response_url posts with `replies` (their status and error text)."""
        self._response_faults.extend(replies)

    def add_user(self, user: str, *, admin: bool = False, owner: bool = False) -> None:
        self.users[user] = {"id": user, "name": user.lower(), "is_admin": admin, "is_owner": owner,
                            "is_primary_owner": False}  # fmt: skip

    def response_url(self, name: str = "r") -> str:
        return f"{self.url}/response/{name}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    # --- reading -------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in list(self.calls) if c.method == method]

    def posted(self, channel: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls_to("chat.postMessage")
            if channel is None or c.params.get("channel") == channel
        ]

    def responses_to(self, name: str) -> list[dict[str, Any]]:
        return [body for path, body in list(self.responses) if path == name]

    async def wait_for(self, check: Callable[[], Any], within: float = 5.0) -> Any:
        """Poll `check` until it returns something truthy; AssertionError after `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {within} s waiting for {check}")
            await asyncio.sleep(0.01)

    # --- the Web API ---------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                params.update(json.loads(raw or b"{}"))
            else:
                params.update(parse_qsl(raw.decode()))
        for name in ("blocks", "metadata"):  # form-encoded calls send these as JSON strings
            if isinstance(params.get(name), str):
                params[name] = json.loads(params[name])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params, dict(request.headers)))
        queue = self._faults.get(method)
        if queue:
            reply = queue.popleft()
            if reply.delay:
                await asyncio.sleep(reply.delay)
            return web.json_response(reply.body, status=reply.status, headers=reply.headers)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        body = handler(params) if handler else {"ok": True}
        return web.json_response(body)

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://test.slack.com/", "team": "Test", "user": "papers",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": "BBOT"}  # fmt: skip

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._ts += 1
        ts = f"{int(time.time())}.{self._ts:06d}"
        channel = params.get("channel", "")
        message = {"type": "message", "ts": ts, "text": params.get("text", ""), "bot_id": "BBOT",
                   "blocks": params.get("blocks", []), "metadata": params.get("metadata")}  # fmt: skip
        self.history.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(params.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        messages = list(reversed(self.history.get(params.get("channel", ""), [])))
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        if not with_metadata:
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        return {"ok": True, "messages": messages, "has_more": False}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.url.replace("http://", "ws://") + "/link"}

    # --- response_url ----------------------------------------------------------------------------

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self._response_faults:
            reply = self._response_faults.popleft()
            return web.Response(status=reply.status, text=str(reply.body.get("error", "error")))
        self.response_times.append((request.match_info["name"], time.time()))
        self.responses.append((request.match_info["name"], body))
        return web.Response(text="ok")

    async def _recorded(self, request: web.Request) -> web.Response:
        """GET /_responses: what arrived at response URLs (for a fake in another process)."""
        kinds = [body.get("response_type") or ("delete" if body.get("delete_original") else "?")
                 for _, body in list(self.responses)]  # fmt: skip
        return web.json_response(
            [
                {"name": n, "at": at, "kind": k}
                for (n, at), k in zip(list(self.response_times), kinds, strict=False)
            ]
        )

    # --- Socket Mode -----------------------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.socket_connections += 1
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        if ws in self._sockets:
            self._sockets.remove(ws)
        return ws

    def socket_send(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to the newest connection."""

        async def send() -> None:
            await self._sockets[-1].send_str(json.dumps(envelope))

        asyncio.run_coroutine_threadsafe(send(), self._loop).result(5)

    def socket_drop(self) -> None:
        """Close every Socket Mode connection from the server side."""

        async def drop() -> None:
            for ws in list(self._sockets):
                await ws.close()

        asyncio.run_coroutine_threadsafe(drop(), self._loop).result(5)

    @property
    def open_sockets(self) -> int:
        return len(self._sockets)

    # --- lifecycle -------------------------------------------------------------------------------

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/link", self._link)
        app.router.add_get("/_responses", self._recorded)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._runner is not None

        async def stop() -> None:
            for ws in list(self._sockets):
                await ws.close()
            await self._runner.cleanup()  # type: ignore[union-attr]

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


if (
    __name__ == "__main__"
):  # a fake in a process of its own (benchmarks): prints its URL, runs until stdin closes
    import sys

    with FakeSlack() as fake:
        print(fake.url, flush=True)
        sys.stdin.read()
