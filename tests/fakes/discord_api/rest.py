"""The REST half of the Discord stand-in: an aiohttp app serving ``/api/v{9,10}/...``.

Every request is recorded (:class:`RecordedRequest`). Responses come from, in order: a matching scripted rule
(:meth:`RestAPI.script`), else the built-in emulation of the route, else a 404 JSON error for unknown routes.
All JSON responses carry ``Content-Type: application/json`` exactly (discord.py decodes nothing else) and a
``Via`` header (discord.py treats a 429 without ``Via`` as a Cloudflare ban and does not retry).
"""

# Waiting helpers take an explicit ``timeout=`` on purpose: every wait in a test must be bounded.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import fnmatch
import hashlib
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from . import payloads as p

API_PREFIX = re.compile(r"^/api(?:/v(?P<version>\d+))?(?P<path>/.*)?$")
SNOWFLAKE_PARAMS = {"channel_id", "guild_id", "application_id", "interaction_id", "command_id"}

MESSAGE_LIMIT = 2000
EMBED_LIMITS = {"title": 256, "description": 4096, "fields": 25, "field.name": 256, "field.value": 1024}
EMBED_TOTAL_LIMIT = 6000
MAX_EMBEDS = 10
MAX_NONCE_LENGTH = 25
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7


# ---------------------------------------------------------------- records


@dataclass
class RecordedRequest:
    """One HTTP request the stand-in received, and what it answered."""

    index: int
    method: str
    path: str  # relative to the API base, e.g. "/channels/123/messages" (no query string)
    api_version: int | None
    route: str | None  # matched template, e.g. "POST /channels/{channel_id}/messages"; None when unknown
    params: dict[str, str]
    query: dict[str, str]
    headers: CIMultiDict[str]  # case-insensitive
    body: bytes
    json: Any  # parsed JSON body (or multipart ``payload_json``), None when there is none
    files: list[dict[str, Any]]  # multipart file parts: {"field", "filename", "content_type", "size"}
    received_at: float  # time.time()
    monotonic: float  # time.monotonic(), for measuring gaps between requests
    status: int | None = None
    response: Any = None
    response_headers: CIMultiDict[str] = field(default_factory=CIMultiDict)
    scripted: bool = False  # answered by a scripted rule
    message: dict[str, Any] | None = None  # the message this request created (message creates, followups)
    deduplicated: bool = False  # a message create answered with an earlier message (enforce_nonce)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def __repr__(self) -> str:
        return f"<RecordedRequest #{self.index} {self.method} {self.path} -> {self.status}>"


@dataclass
class Reply:
    """A scripted (or built-in) HTTP response.

    ``status=None`` means "do the normal thing" — only useful with ``delay`` (see :func:`slow`).
    """

    status: int | None = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str | None = "application/json"
    raw: bytes | None = None  # non-JSON body (sent as-is)

    def render(self) -> web.Response:
        headers = {"Via": "1.1 google", **self.headers}
        if self.raw is not None:
            data = self.raw
        elif self.body is None:
            data = b""
        else:
            data = json.dumps(self.body, separators=(",", ":")).encode()
        if data and self.content_type:
            headers["Content-Type"] = self.content_type
        return web.Response(status=self.status or 200, body=data or None, headers=headers)


def ok(body: Any = None, status: int = 200, **headers: str) -> Reply:
    return Reply(
        status=status if body is not None or status != 200 else 204, body=body, headers=dict(headers)
    )


def json_error(
    status: int,
    code: int,
    message: str,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return Reply(status=status, body=body, headers=dict(headers or {}))


def rate_limited(
    retry_after: float = 0.1,
    *,
    is_global: bool = False,
    scope: str | None = None,
    bucket: str = "standin0000000000000000000000000",
    limit: int = 5,
) -> Reply:
    """A 429 shaped like Discord's: JSON ``retry_after`` (float seconds), ``Retry-After`` (whole seconds,
    rounded up), and the ``X-RateLimit-*`` headers. discord.py sleeps for the body's ``retry_after``."""
    scope = scope or ("global" if is_global else "user")
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": scope,
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    else:
        headers.update(
            {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": bucket,
            }
        )
    body: dict[str, Any] = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
    }
    return Reply(status=429, body=body, headers=headers)


def cloudflare_ban() -> Reply:
    """A 429 from Cloudflare (HTML, no ``Via``): discord.py raises HTTPException instead of retrying."""
    return Reply(
        status=429,
        raw=b"<html><body>error code: 1015</body></html>",
        content_type="text/html",
        headers={"Via": "", "Retry-After": "600"},
    )


def missing_access() -> Reply:
    return json_error(403, 50001, "Missing Access")


def missing_permissions() -> Reply:
    return json_error(403, 50013, "Missing Permissions")


def unknown_channel() -> Reply:
    return json_error(404, 10003, "Unknown Channel")


def unknown_guild() -> Reply:
    return json_error(404, 10004, "Unknown Guild")


def unknown_message() -> Reply:
    return json_error(404, 10008, "Unknown Message")


def unknown_webhook() -> Reply:
    return json_error(404, 10015, "Unknown Webhook")


def unknown_interaction() -> Reply:
    return json_error(404, 10062, "Unknown interaction")


def already_acknowledged() -> Reply:
    return json_error(400, 40060, "Interaction has already been acknowledged.")


def unauthorized() -> Reply:
    return json_error(401, 0, "401: Unauthorized")


def server_error(status: int = 500) -> Reply:
    """Note: discord.py retries 500/502/504/524 itself, sleeping 1, 3, 5, 7 s between its 5 tries."""
    messages = {500: "500: Internal Server Error", 502: "502: Bad Gateway", 503: "503: Service Unavailable"}
    return json_error(status, 0, messages.get(status, f"{status}: Server Error"))


def slow(seconds: float) -> Reply:
    """Answer normally, but only after ``seconds`` (e.g. to push an interaction past its 3 s deadline)."""
    return Reply(status=None, delay=seconds)


def invalid_form_body(errors: dict[str, Any]) -> Reply:
    return json_error(400, 50035, "Invalid Form Body", errors)


def _err(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def _set_path(tree: dict[str, Any], path: list[str], leaf: dict[str, Any]) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = leaf


# ---------------------------------------------------------------- validation


def validate_message_body(body: Any, *, allow_empty: bool = False) -> Reply | None:
    """Discord's checks on a message create/edit body that a bot most plausibly trips over."""
    if not isinstance(body, dict):
        return invalid_form_body(
            {
                "_errors": [
                    {"code": "DICT_TYPE_CONVERT", "message": "Only dictionaries may be used in a DictType"}
                ]
            }
        )
    errors: dict[str, Any] = {}
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        content = str(content)
    if content is not None and len(content) > MESSAGE_LIMIT:
        errors["content"] = _err("BASE_TYPE_MAX_LENGTH", f"Must be {MESSAGE_LIMIT} or fewer in length.")
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > MAX_NONCE_LENGTH:
        errors["nonce"] = _err("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_NONCE_LENGTH} or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        errors["embeds"] = _err("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        path = ["embeds", str(i)]
        for key in ("title", "description"):
            value = embed.get(key)
            if value is not None:
                total += len(value)
                if len(value) > EMBED_LIMITS[key]:
                    _set_path(
                        errors,
                        [*path, key],
                        _err("BASE_TYPE_MAX_LENGTH", f"Must be {EMBED_LIMITS[key]} or fewer in length."),
                    )
        for key in ("url",):
            url = embed.get(key)
            if url is not None and not re.match(r"^https?://", url):
                scheme = url.split(":", 1)[0] if ":" in url else ""
                _set_path(
                    errors,
                    [*path, key],
                    _err(
                        "URL_TYPE_INVALID_SCHEME",
                        f"Scheme \"{scheme}\" is not supported. Scheme must be one of ('http', 'https').",
                    ),
                )
        color = embed.get("color")
        if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
            _set_path(
                errors,
                [*path, "color"],
                _err("NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215."),
            )
        fields = embed.get("fields") or []
        if len(fields) > EMBED_LIMITS["fields"]:
            _set_path(
                errors, [*path, "fields"], _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            )
        for j, fld in enumerate(fields):
            for key in ("name", "value"):
                value = fld.get(key)
                limit = EMBED_LIMITS[f"field.{key}"]
                if not value:
                    _set_path(
                        errors,
                        [*path, "fields", str(j), key],
                        _err("BASE_TYPE_REQUIRED", "This field is required"),
                    )
                else:
                    total += len(value)
                    if len(value) > limit:
                        _set_path(
                            errors,
                            [*path, "fields", str(j), key],
                            _err("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."),
                        )
        for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
            value = (embed.get(key) or {}).get(sub)
            if value:
                total += len(value)
                if len(value) > limit:
                    _set_path(
                        errors,
                        [*path, key, sub],
                        _err("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."),
                    )
    if total > EMBED_TOTAL_LIMIT and "embeds" not in errors:
        errors.setdefault("embeds", {}).update(
            _err("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        )
    mentions = body.get("allowed_mentions")
    if isinstance(mentions, dict):
        parse = mentions.get("parse") or []
        bad = [x for x in parse if x not in ("roles", "users", "everyone")]
        if bad:
            _set_path(
                errors,
                ["allowed_mentions", "parse"],
                _err("ENUM_TYPE_COERCE", f'Value "{bad[0]}" is not a valid enum value.'),
            )
        for kind in ("users", "roles"):
            if kind in parse and mentions.get(kind):
                _set_path(
                    errors,
                    ["allowed_mentions", kind],
                    _err(
                        "SET_TYPE_ALREADY_CONTAINS_VALUE",
                        f"{kind.title()} in parse and {kind} list are mutually exclusive",
                    ),
                )
    if errors:
        return invalid_form_body(errors)
    if not allow_empty and not (
        content
        or embeds
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("attachments")
        or body.get("poll")
    ):
        return json_error(400, 50006, "Cannot send an empty message")
    return None


# ---------------------------------------------------------------- scripting


Responder = Reply | Callable[[RecordedRequest], "Reply | None"]


@dataclass
class ScriptRule:
    """Answers matching requests with ``replies`` in order (each once), or one reply ``times`` times."""

    method: str
    pattern: str
    replies: list[Responder]
    times: int | None  # None: forever (single reply only)
    where: Callable[[RecordedRequest], bool] | None = None
    used: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)

    @property
    def exhausted(self) -> bool:
        if self.times is None:
            return False
        return self.used >= self.times

    def matches(self, req: RecordedRequest) -> bool:
        if self.exhausted or not route_matches(self.method, self.pattern, req):
            return False
        return self.where is None or bool(self.where(req))

    def take(self) -> Responder:
        reply = self.replies[min(self.used, len(self.replies) - 1)]
        self.used += 1
        return reply


def parse_route(spec: str) -> tuple[str, str]:
    """``"POST /channels/{channel_id}/messages"`` -> ("POST", "/channels/{channel_id}/messages"); a bare path
    means any method."""
    parts = spec.strip().split(None, 1)
    if len(parts) == 2 and parts[0].isalpha() and parts[0].upper() == parts[0]:
        return parts[0], parts[1]
    if len(parts) == 2 and parts[0] == "*":
        return "*", parts[1]
    return "*", spec.strip()


def route_matches(method: str, pattern: str, req: RecordedRequest) -> bool:
    """A pattern matches the request's route template, its concrete path, or (with ``*``) glob-matches it."""
    if method not in ("*", req.method):
        return False
    template = req.route.split(" ", 1)[1] if req.route else None
    if pattern in (template, req.path):
        return True
    return "*" in pattern and fnmatch.fnmatchcase(req.path, pattern)


def request_matcher(what: str | Callable[[RecordedRequest], bool]) -> Callable[[RecordedRequest], bool]:
    if callable(what):
        return what
    method, pattern = parse_route(what)
    return lambda r: route_matches(method, pattern, r)


# ---------------------------------------------------------------- interaction state


@dataclass
class InteractionState:
    payload: dict[str, Any]
    dispatched_at: float  # monotonic
    callback: RecordedRequest | None = None
    callback_type: int | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def token(self) -> str:
        return str(self.payload["token"])

    @property
    def type(self) -> int:
        return int(self.payload["type"])

    @property
    def channel_id(self) -> int | None:
        cid = self.payload.get("channel_id")
        return int(cid) if cid is not None else None

    @property
    def guild_id(self) -> int | None:
        gid = self.payload.get("guild_id")
        return int(gid) if gid is not None else None


# ---------------------------------------------------------------- the app


Handler = Callable[[RecordedRequest], "asyncio.Future[Reply] | Any"]


class RestAPI:
    def __init__(
        self,
        world: p.World,
        *,
        gateway_url: Callable[[], str],
        gateway_bot_shards: int = 1,
        interaction_deadline: float | None = 3.0,
        interaction_token_ttl: float = 15 * 60,
        nonce_window: float = 300.0,
        ratelimit_headers: bool = True,
        strict_channels: bool = True,
    ) -> None:
        self.world = world
        self.gateway_url = gateway_url
        self.gateway_bot_shards = gateway_bot_shards
        self.interaction_deadline = interaction_deadline
        self.interaction_token_ttl = interaction_token_ttl
        self.nonce_window = nonce_window
        self.ratelimit_headers = ratelimit_headers
        self.strict_channels = strict_channels

        self.requests: list[RecordedRequest] = []
        self.rules: list[ScriptRule] = []
        self.messages: dict[int, dict[str, Any]] = {}  # id -> message, every message that exists
        self.channel_messages: dict[int, list[dict[str, Any]]] = {}
        self.nonces: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}
        self.interactions: dict[int, InteractionState] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global) -> commands
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._command_version = 0
        self._waiters: list[tuple[Callable[[RecordedRequest], bool], asyncio.Future[RecordedRequest]]] = []

        self._routes: list[tuple[str, str, re.Pattern[str], Callable[..., Any], bool]] = []
        self._install_routes()
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("*", "/{tail:.*}", self._handle)

    # ------------------------------------------------------------ public helpers

    def script(
        self,
        route: str,
        *replies: Responder,
        times: int | None = 1,
        where: Callable[[RecordedRequest], bool] | None = None,
    ) -> ScriptRule:
        if not replies:
            raise ValueError("script() needs at least one reply")
        method, pattern = parse_route(route)
        if len(replies) > 1:
            times = len(replies)
        rule = ScriptRule(method, pattern, list(replies), times, where)
        self.rules.append(rule)
        return rule

    def register_interaction(self, payload: dict[str, Any]) -> InteractionState:
        state = InteractionState(payload=payload, dispatched_at=time.monotonic())
        self.interactions[state.id] = state
        return state

    def command_id(self, name: str, guild_id: int | None = None, command_type: int = p.CHAT_INPUT) -> int:
        """The id of a synced command (or a stable made-up one if the bot never synced it)."""
        key = (guild_id, name, command_type)
        if key not in self._command_ids:
            self._command_ids[key] = p.snowflake()
        return self._command_ids[key]

    async def wait_for(
        self, what: str | Callable[[RecordedRequest], bool], *, timeout: float = 5.0, after: int = 0
    ) -> RecordedRequest:
        """The first request (index >= ``after``) matching ``what`` once it has been answered."""
        match = request_matcher(what)
        for req in self.requests[after:]:
            if req.status is not None and match(req):
                return req
        fut: asyncio.Future[RecordedRequest] = asyncio.get_running_loop().create_future()

        def pred(r: RecordedRequest) -> bool:
            return r.index >= after and match(r)

        entry = (pred, fut)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            seen = (
                "\n  ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[after:]) or "(none)"
            )
            raise TimeoutError(
                f"no request matching {what!r} within {timeout}s; requests seen:\n  {seen}"
            ) from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(entry)

    # ------------------------------------------------------------ plumbing

    def _route(
        self, method: str, template: str, auth: bool = True
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        regex = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")

        def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
            self._routes.append((method, template, regex, fn, auth))
            return fn

        return deco

    def _resolve(self, method: str, path: str) -> tuple[str, dict[str, str], Callable[..., Any], bool] | None:
        for m, template, regex, fn, auth in self._routes:
            if m != method:
                continue
            found = regex.match(path)
            if found:
                return f"{m} {template}", found.groupdict(), fn, auth
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        path_match = API_PREFIX.match(request.path)
        rel_path = (path_match.group("path") or "/") if path_match else request.path
        version = int(path_match.group("version")) if path_match and path_match.group("version") else None
        resolved = self._resolve(request.method, rel_path) if path_match else None
        body_json, files = _decode_body(request.headers.get("Content-Type", ""), raw)
        req = RecordedRequest(
            index=len(self.requests),
            method=request.method,
            path=rel_path,
            api_version=version,
            route=resolved[0] if resolved else None,
            params=resolved[1] if resolved else {},
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            body=raw,
            json=body_json,
            files=files,
            received_at=time.time(),
            monotonic=time.monotonic(),
        )
        self.requests.append(req)

        reply: Reply | None = None
        for rule in self.rules:
            if rule.matches(req):
                responder = rule.take()
                rule.requests.append(req)
                reply = responder(req) if callable(responder) else responder
                req.scripted = reply is not None and reply.status is not None
                break
        if reply is not None and reply.delay:
            await asyncio.sleep(reply.delay)
        if reply is None or reply.status is None:
            reply = self._builtin(req, resolved)

        response = reply.render()
        if (
            self.ratelimit_headers
            and resolved is not None
            and resolved[3]
            and reply.status is not None
            and reply.status < 400
        ):
            response.headers.update(_success_ratelimit_headers(resolved[0]))
        req.status = response.status
        req.response = reply.body if reply.raw is None else reply.raw
        req.response_headers = CIMultiDict(response.headers)
        self._notify(req)
        return response

    def _notify(self, req: RecordedRequest) -> None:
        for pred, fut in list(self._waiters):
            if fut.done():
                continue
            try:
                matched = pred(req)
            except Exception as exc:  # a broken predicate fails its waiter, not the request
                fut.set_exception(exc)
                continue
            if matched:
                fut.set_result(req)

    def _builtin(
        self, req: RecordedRequest, resolved: tuple[str, dict[str, str], Callable[..., Any], bool] | None
    ) -> Reply:
        if resolved is None:
            hint = "" if req.api_version is not None else "; is Route.BASE missing its /api/v10 suffix?"
            return Reply(
                status=404,
                body={
                    "message": f"404: Not Found (the Discord stand-in has no route for {req.method} {req.path}{hint})",
                    "code": 0,
                },
                headers={"X-Standin-Unknown-Route": "1"},
            )
        _, params, fn, auth = resolved
        for name, value in params.items():
            if name in SNOWFLAKE_PARAMS and not value.isdigit():
                return invalid_form_body(
                    {name: _err("NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')}
                )
        if auth:
            header = req.headers.get("Authorization", "")
            if not header.startswith("Bot ") or not header[4:].strip():
                return unauthorized()
            if self.world.token is not None and header[4:] != self.world.token:
                return unauthorized()
        return fn(req, **params)

    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        guild_id: int | None,
        webhook: bool = False,
        flags: int = 0,
        interaction: InteractionState | None = None,
    ) -> dict[str, Any]:
        meta = None
        if interaction is not None:
            meta = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": p.user(self.world.invoker),
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
        msg = p.message(
            message_id=p.snowflake(),
            channel_id=channel_id,
            author=self.world.bot,
            body=body,
            guild_id=guild_id,
            webhook_id=self.world.application_id if webhook else None,
            application_id=self.world.application_id if webhook else None,
            message_type=20 if interaction is not None else 0,
            flags=flags,
            interaction_metadata=meta,
        )
        self.messages[int(msg["id"])] = msg
        self.channel_messages.setdefault(channel_id, []).append(msg)
        return msg

    def _edit_message(self, msg: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        if "content" in body:
            msg["content"] = body["content"] or ""
        if "embeds" in body:
            msg["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
        if "components" in body:
            msg["components"] = body["components"] or []
        if "flags" in body and body["flags"] is not None:
            msg["flags"] = (msg["flags"] & (FLAG_EPHEMERAL | FLAG_LOADING)) | int(body["flags"])
        msg["flags"] &= ~FLAG_LOADING
        msg["edited_timestamp"] = p.iso(datetime.now(UTC))
        return msg

    def _channel_guild(self, channel_id: int) -> tuple[bool, int | None]:
        found = self.world.find_channel(channel_id)
        if found is None:
            return (not self.strict_channels), None
        return True, found[0].id

    # ------------------------------------------------------------ routes

    def _install_routes(self) -> None:
        world = self.world
        route = self._route

        @route("GET", "/users/@me")
        def users_me(req: RecordedRequest) -> Reply:
            return ok(p.current_user(world.bot))

        @route("GET", "/oauth2/applications/@me")
        def application_me(req: RecordedRequest) -> Reply:
            return ok(p.application(world.application_id, world.bot))

        @route("GET", "/applications/@me")
        def application_me2(req: RecordedRequest) -> Reply:
            return ok(p.application(world.application_id, world.bot))

        @route("GET", "/gateway", auth=False)
        def gateway(req: RecordedRequest) -> Reply:
            return ok({"url": self.gateway_url().rstrip("/")})

        @route("GET", "/gateway/bot")
        def gateway_bot(req: RecordedRequest) -> Reply:
            return ok(
                {
                    "url": self.gateway_url().rstrip("/"),
                    "shards": self.gateway_bot_shards,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 14_400_000,
                        "max_concurrency": 1,
                    },
                }
            )

        @route("GET", "/channels/{channel_id}")
        def get_channel(req: RecordedRequest, channel_id: str) -> Reply:
            found = world.find_channel(channel_id)
            if found is None:
                return unknown_channel()
            return ok(p.channel(found[1], found[0].id))

        @route("POST", "/channels/{channel_id}/typing")
        def typing(req: RecordedRequest, channel_id: str) -> Reply:
            known, _ = self._channel_guild(int(channel_id))
            return ok() if known else unknown_channel()

        @route("POST", "/channels/{channel_id}/messages")
        def create_message(req: RecordedRequest, channel_id: str) -> Reply:
            cid = int(channel_id)
            known, guild_id = self._channel_guild(cid)
            if not known:
                return unknown_channel()
            body = req.json if isinstance(req.json, dict) else {}
            invalid = validate_message_body(req.json, allow_empty=bool(req.files))
            if invalid is not None:
                return invalid
            nonce = body.get("nonce")
            key = (cid, str(nonce)) if nonce is not None else None
            now = time.monotonic()
            if key is not None and body.get("enforce_nonce"):
                seen = self.nonces.get(key)
                if seen is not None and now - seen[0] <= self.nonce_window:
                    req.deduplicated = True
                    return ok(seen[1])
            msg = self._new_message(cid, body, guild_id=guild_id)
            if req.files:
                msg["attachments"] = [
                    {
                        "id": str(p.snowflake()),
                        "filename": f["filename"],
                        "size": f["size"],
                        "url": f"https://cdn.discordapp.com/attachments/{cid}/0/{f['filename']}",
                        "proxy_url": f"https://media.discordapp.net/attachments/{cid}/0/{f['filename']}",
                        "content_type": f["content_type"],
                    }
                    for f in req.files
                ]
            if key is not None:
                self.nonces[key] = (now, msg)
            req.message = msg
            return ok(msg)

        @route("GET", "/channels/{channel_id}/messages/{message_id}")
        def get_message(req: RecordedRequest, channel_id: str, message_id: str) -> Reply:
            msg = self.messages.get(int(message_id)) if message_id.isdigit() else None
            if msg is None or msg["channel_id"] != channel_id:
                return unknown_message()
            return ok(msg)

        @route("PATCH", "/channels/{channel_id}/messages/{message_id}")
        def edit_message(req: RecordedRequest, channel_id: str, message_id: str) -> Reply:
            msg = self.messages.get(int(message_id)) if message_id.isdigit() else None
            if msg is None or msg["channel_id"] != channel_id:
                return unknown_message()
            invalid = validate_message_body(req.json, allow_empty=True)
            if invalid is not None:
                return invalid
            return ok(self._edit_message(msg, req.json or {}))

        @route("DELETE", "/channels/{channel_id}/messages/{message_id}")
        def delete_message(req: RecordedRequest, channel_id: str, message_id: str) -> Reply:
            msg = self.messages.get(int(message_id)) if message_id.isdigit() else None
            if msg is None or msg["channel_id"] != channel_id:
                return unknown_message()
            self._delete(msg)
            return ok()

        @route("GET", "/guilds/{guild_id}")
        def get_guild(req: RecordedRequest, guild_id: str) -> Reply:
            spec = world.guild(guild_id)
            if spec is None:
                return unknown_guild()
            data = p.guild_create(spec, world.bot)
            for key in (
                "channels",
                "members",
                "threads",
                "presences",
                "voice_states",
                "joined_at",
                "large",
                "member_count",
                "stage_instances",
                "guild_scheduled_events",
                "lazy",
                "unavailable",
            ):
                data.pop(key, None)
            data["approximate_member_count"] = spec.member_count
            data["approximate_presence_count"] = 1
            return ok(data)

        @route("GET", "/guilds/{guild_id}/channels")
        def guild_channels(req: RecordedRequest, guild_id: str) -> Reply:
            spec = world.guild(guild_id)
            if spec is None:
                return unknown_guild()
            return ok([p.channel(c, spec.id) for c in spec.channels])

        # ---- application commands

        def check_app(application_id: str, guild_id: str | None) -> Reply | None:
            if int(application_id) != world.application_id:
                return missing_access()
            if guild_id is not None and world.guild(guild_id) is None:
                return missing_access()  # what Discord answers when the bot is not in the guild
            return None

        def put_commands(req: RecordedRequest, application_id: str, guild_id: str | None = None) -> Reply:
            denied = check_app(application_id, guild_id)
            if denied is not None:
                return denied
            body = req.json if isinstance(req.json, list) else None
            if body is None:
                return invalid_form_body(
                    {
                        "_errors": [
                            {
                                "code": "LIST_TYPE_CONVERT",
                                "message": "Only iterables may be used in a ListType",
                            }
                        ]
                    }
                )
            invalid = _validate_commands(body)
            if invalid is not None:
                return invalid
            gid = int(guild_id) if guild_id is not None else None
            self._command_version += 1
            synced = [
                p.application_command(
                    cmd,
                    command_id=self.command_id(cmd["name"], gid, int(cmd.get("type", p.CHAT_INPUT))),
                    application_id=world.application_id,
                    guild_id=gid,
                    version=p.snowflake(),
                )
                for cmd in body
            ]
            self.commands[gid] = synced
            return ok(synced)

        def get_commands(req: RecordedRequest, application_id: str, guild_id: str | None = None) -> Reply:
            denied = check_app(application_id, guild_id)
            if denied is not None:
                return denied
            return ok(self.commands.get(int(guild_id) if guild_id is not None else None, []))

        def post_command(req: RecordedRequest, application_id: str, guild_id: str | None = None) -> Reply:
            denied = check_app(application_id, guild_id)
            if denied is not None:
                return denied
            if not isinstance(req.json, dict):
                return invalid_form_body(
                    {
                        "_errors": [
                            {
                                "code": "DICT_TYPE_CONVERT",
                                "message": "Only dictionaries may be used in a DictType",
                            }
                        ]
                    }
                )
            invalid = _validate_commands([req.json])
            if invalid is not None:
                return invalid
            gid = int(guild_id) if guild_id is not None else None
            cmd = p.application_command(
                req.json,
                command_id=self.command_id(req.json["name"], gid, int(req.json.get("type", p.CHAT_INPUT))),
                application_id=world.application_id,
                guild_id=gid,
                version=p.snowflake(),
            )
            existing = [c for c in self.commands.get(gid, []) if c["id"] != cmd["id"]]
            self.commands[gid] = [*existing, cmd]
            return ok(cmd, status=201)

        def delete_command(
            req: RecordedRequest, application_id: str, command_id: str, guild_id: str | None = None
        ) -> Reply:
            denied = check_app(application_id, guild_id)
            if denied is not None:
                return denied
            gid = int(guild_id) if guild_id is not None else None
            before = self.commands.get(gid, [])
            after = [c for c in before if c["id"] != command_id]
            if len(after) == len(before):
                return json_error(404, 10063, "Unknown application command")
            self.commands[gid] = after
            return ok()

        for tmpl in (
            "/applications/{application_id}/commands",
            "/applications/{application_id}/guilds/{guild_id}/commands",
        ):
            route("PUT", tmpl)(put_commands)
            route("GET", tmpl)(get_commands)
            route("POST", tmpl)(post_command)
            route("DELETE", tmpl + "/{command_id}")(delete_command)

        # ---- interactions

        @route("POST", "/interactions/{interaction_id}/{interaction_token}/callback", auth=False)
        def interaction_callback(req: RecordedRequest, interaction_id: str, interaction_token: str) -> Reply:
            state = self.interactions.get(int(interaction_id))
            if state is None or state.token != interaction_token:
                return unknown_interaction()
            if state.callback is not None:
                return already_acknowledged()
            if (
                self.interaction_deadline is not None
                and time.monotonic() - state.dispatched_at > self.interaction_deadline
            ):
                return unknown_interaction()
            body = req.json if isinstance(req.json, dict) else {}
            cb_type = body.get("type")
            allowed = {
                p.PING: {p.CB_PONG},
                p.APPLICATION_COMMAND: {
                    p.CB_CHANNEL_MESSAGE_WITH_SOURCE,
                    p.CB_DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                    p.CB_MODAL,
                },
                p.APPLICATION_COMMAND_AUTOCOMPLETE: {p.CB_AUTOCOMPLETE_RESULT},
                p.MESSAGE_COMPONENT: {
                    p.CB_CHANNEL_MESSAGE_WITH_SOURCE,
                    p.CB_DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                    p.CB_DEFERRED_UPDATE_MESSAGE,
                    p.CB_UPDATE_MESSAGE,
                    p.CB_MODAL,
                },
                p.MODAL_SUBMIT: {
                    p.CB_CHANNEL_MESSAGE_WITH_SOURCE,
                    p.CB_DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                    p.CB_DEFERRED_UPDATE_MESSAGE,
                    p.CB_UPDATE_MESSAGE,
                },
            }.get(state.type, set())
            if cb_type not in allowed:
                return invalid_form_body(
                    {
                        "type": _err(
                            "INTERACTION_CALLBACK_TYPE_INVALID",
                            f"Interaction callback type {cb_type!r} is invalid for interaction type {state.type}",
                        )
                    }
                )
            data = body.get("data") or {}
            if cb_type == p.CB_CHANNEL_MESSAGE_WITH_SOURCE:
                invalid = validate_message_body(data)
                if invalid is not None:
                    return invalid
            if cb_type == p.CB_AUTOCOMPLETE_RESULT:
                choices = data.get("choices")
                if not isinstance(choices, list) or len(choices) > 25:
                    return invalid_form_body(
                        {"data": {"choices": _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")}}
                    )

            state.callback = req
            state.callback_type = cb_type
            if state.type == p.MESSAGE_COMPONENT and cb_type in (
                p.CB_DEFERRED_UPDATE_MESSAGE,
                p.CB_UPDATE_MESSAGE,
            ):
                # As Discord: the "original" of a component interaction is the message it is on.
                clicked = (state.payload.get("message") or {}).get("id")
                state.original = self.messages.get(int(clicked)) if clicked else None
                if cb_type == p.CB_UPDATE_MESSAGE and state.original is not None:
                    self._edit_message(state.original, data)
            flags = int(data.get("flags") or 0)
            resource: dict[str, Any] = {"type": cb_type}
            if cb_type in (p.CB_CHANNEL_MESSAGE_WITH_SOURCE, p.CB_DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE):
                cid = state.channel_id or 0
                msg = self._new_message(
                    cid,
                    data if cb_type == p.CB_CHANNEL_MESSAGE_WITH_SOURCE else {},
                    guild_id=state.guild_id,
                    webhook=True,
                    flags=(flags & FLAG_EPHEMERAL)
                    | (FLAG_LOADING if cb_type == p.CB_DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE else 0),
                    interaction=state,
                )
                state.original = msg
                req.message = msg
                resource["message"] = msg
            interaction_info: dict[str, Any] = {"id": str(state.id), "type": state.type}
            if state.original is not None:
                interaction_info.update(
                    response_message_id=state.original["id"],
                    response_message_loading=cb_type == p.CB_DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                    response_message_ephemeral=bool(flags & FLAG_EPHEMERAL),
                )
            if req.query.get("with_response", "").lower() in ("1", "true"):
                return ok({"interaction": interaction_info, "resource": resource})
            return ok()

        def webhook_state(application_id: str, token: str) -> tuple[InteractionState | None, Reply | None]:
            state = next((s for s in self.interactions.values() if s.token == token), None)
            if state is None or int(application_id) != world.application_id:
                return None, unknown_webhook()
            if time.monotonic() - state.dispatched_at > self.interaction_token_ttl:
                return None, json_error(401, 50027, "Invalid Webhook Token")
            if state.callback is None:
                return None, unknown_webhook()
            return state, None

        def find_webhook_message(state: InteractionState, message_id: str) -> dict[str, Any] | None:
            if message_id == "@original":
                return state.original
            return next((m for m in state.followups if m["id"] == message_id), None)

        @route("POST", "/webhooks/{application_id}/{interaction_token}", auth=False)
        def followup(req: RecordedRequest, application_id: str, interaction_token: str) -> Reply:
            state, error = webhook_state(application_id, interaction_token)
            if error is not None or state is None:
                return error or unknown_webhook()
            body = req.json if isinstance(req.json, dict) else {}
            invalid = validate_message_body(body, allow_empty=bool(req.files))
            if invalid is not None:
                return invalid
            flags = int(body.get("flags") or 0) & FLAG_EPHEMERAL
            msg = self._new_message(
                state.channel_id or 0,
                body,
                guild_id=state.guild_id,
                webhook=True,
                flags=flags,
                interaction=state,
            )
            state.followups.append(msg)
            req.message = msg
            if req.query.get("wait", "").lower() in ("1", "true"):
                return ok(msg)
            return ok()

        @route("GET", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", auth=False)
        def get_webhook_message(
            req: RecordedRequest, application_id: str, interaction_token: str, message_id: str
        ) -> Reply:
            state, error = webhook_state(application_id, interaction_token)
            if error is not None or state is None:
                return error or unknown_webhook()
            msg = find_webhook_message(state, message_id)
            return ok(msg) if msg is not None else unknown_message()

        @route("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", auth=False)
        def edit_webhook_message(
            req: RecordedRequest, application_id: str, interaction_token: str, message_id: str
        ) -> Reply:
            state, error = webhook_state(application_id, interaction_token)
            if error is not None or state is None:
                return error or unknown_webhook()
            msg = find_webhook_message(state, message_id)
            if msg is None:
                return unknown_message()
            invalid = validate_message_body(req.json, allow_empty=True)
            if invalid is not None:
                return invalid
            return ok(self._edit_message(msg, req.json or {}))

        @route("DELETE", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", auth=False)
        def delete_webhook_message(
            req: RecordedRequest, application_id: str, interaction_token: str, message_id: str
        ) -> Reply:
            state, error = webhook_state(application_id, interaction_token)
            if error is not None or state is None:
                return error or unknown_webhook()
            msg = find_webhook_message(state, message_id)
            if msg is None:
                return unknown_message()
            self._delete(msg)
            if msg is state.original:
                state.original = None
            else:
                state.followups.remove(msg)
            return ok()

    def _delete(self, msg: dict[str, Any]) -> None:
        self.messages.pop(int(msg["id"]), None)
        chan = self.channel_messages.get(int(msg["channel_id"]), [])
        if msg in chan:
            chan.remove(msg)


# ---------------------------------------------------------------- helpers


def _validate_commands(commands: list[Any]) -> Reply | None:
    errors: dict[str, Any] = {}
    names: set[tuple[str, int]] = set()
    for i, cmd in enumerate(commands):
        if not isinstance(cmd, dict) or not isinstance(cmd.get("name"), str):
            _set_path(errors, [str(i), "name"], _err("BASE_TYPE_REQUIRED", "This field is required"))
            continue
        ctype = int(cmd.get("type", p.CHAT_INPUT))
        name = cmd["name"]
        bad_name = not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower()
        if (ctype == p.CHAT_INPUT and bad_name) or not 1 <= len(name) <= 32:
            _set_path(
                errors, [str(i), "name"], _err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            )
        if ctype == p.CHAT_INPUT and not 1 <= len(cmd.get("description") or "") <= 100:
            _set_path(
                errors,
                [str(i), "description"],
                _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."),
            )
        if len(cmd.get("options") or []) > 25:
            _set_path(
                errors, [str(i), "options"], _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            )
        if (name, ctype) in names:
            _set_path(
                errors,
                [str(i), "name"],
                _err(
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique ({name})",
                ),
            )
        names.add((name, ctype))
    return invalid_form_body(errors) if errors else None


def _success_ratelimit_headers(route: str) -> dict[str, str]:
    """Static, generous per-route headers (discord.py keys its buckets on X-RateLimit-Bucket)."""
    bucket = hashlib.sha1(route.encode()).hexdigest()[:32]
    return {
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
    }


def _decode_body(content_type: str, raw: bytes) -> tuple[Any, list[dict[str, Any]]]:
    """JSON bodies, and multipart/form-data with ``payload_json`` + ``files[n]`` as discord.py sends them."""
    if not raw:
        return None, []
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "application/json":
        try:
            return json.loads(raw), []
        except ValueError:
            return None, []
    if ctype == "multipart/form-data":
        msg = email.parser.BytesParser().parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + raw
        )
        payload: Any = None
        files: list[dict[str, Any]] = []
        for part in msg.get_payload() if msg.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            data = part.get_payload(decode=True) or b""
            if name == "payload_json":
                with contextlib.suppress(ValueError):
                    payload = json.loads(data)
            elif filename is not None:
                files.append(
                    {
                        "field": name,
                        "filename": filename,
                        "content_type": part.get_content_type(),
                        "size": len(data),
                    }
                )
        return payload, files
    return None, []
