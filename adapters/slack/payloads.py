"""A verified request body, turned into Bolt's request only when it has the shape Bolt expects.

`bolt_request(text, request)` builds the `AsyncBoltRequest` for the (already signature-checked,
UTF-8) body, or raises `MalformedPayload`: a body that is not a form or a JSON object, a `payload=`
field that is not a JSON object, an object whose fields have types Bolt cannot read, or a command
or click without the ids and response_url our listeners answer with.

Why a shape check: Bolt reads the fields it routes on without checking their types (a `user` that
is a number, an `actions` list that is empty, an `event` that is a string) and answers such a
request with HTTP 500 and a traceback. Only Slack can sign a request, so this guards against a
change on Slack's side or a leaked signing secret; `SlackPayload` lists exactly the fields Bolt
1.30 reads (slack_bolt/request/internals.py, payload_utils.py and the matchers of our listeners),
other fields pass through untouched. The hostile-request tests fuzz it with every JSON type at
each of these fields.

Bolt also takes any form body containing the word "payload" for an interactivity payload and,
finding no `payload` field, sees an empty body: `/papers search payload`, or a channel named
#payload-team, would get a 404 and the user Slack's "dispatch_failed". Such a form is re-parsed
here; the signature was checked over the raw body, which is unchanged.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest


class MalformedPayload(ValueError):
    """A signed body that is not a Slack payload Bolt can route (the message says what is wrong)."""


class _Shape(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class _Ref(_Shape):
    """A `team`, `user`, `channel` or `enterprise` object."""

    id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None


class _Scope(_Shape):
    """The fields Bolt looks for in a payload and, recursively, in its event and messages."""

    @model_validator(mode="before")
    @classmethod
    def _objects_not_null(cls, data: Any) -> Any:
        # Bolt reads these as body.get(key, {}).get(...): present, they must be objects
        if isinstance(data, dict):
            for key in ("event", "view", "tokens", "function"):
                if key in data and data[key] is None:
                    raise ValueError(f"{key} is null")
        return data

    type: str | None = None
    user: str | _Ref | None = None
    channel: str | _Ref | None = None
    team: str | _Ref | None = None
    enterprise: str | _Ref | None = None
    user_id: str | None = None
    channel_id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None
    user_team: str | None = None
    context_team_id: str | None = None
    context_enterprise_id: str | None = None
    thread_ts: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    channel_type: str | None = None
    function_execution_id: str | None = None
    bot_access_token: str | None = None
    inputs: dict[str, Any] | None = None
    tokens: dict[str, Any] | None = None
    function: dict[str, Any] | None = None
    authorizations: list[_Scope] | None = None
    event: _Scope | None = None
    message: _Scope | None = None
    previous_message: _Scope | None = None
    item: _Scope | None = None
    assistant_thread: _Scope | None = None


class _View(_Shape):
    id: str | None = None
    type: str | None = None
    team_id: str | None = None
    app_installed_team_id: str | None = None
    callback_id: str | None = None


class _Action(_Shape):
    action_id: str | None = None
    block_id: str | None = None
    type: str | None = None
    value: str | None = None


class _FunctionData(_Shape):
    execution_id: str | None = None
    inputs: dict[str, Any] | None = None


class _ResponseUrl(_Shape):
    response_url: str | None = None


class SlackPayload(_Scope):
    """A slash command, interactivity payload or Events API envelope, as far as Bolt reads it."""

    command: str | None = None
    text: str | None = None
    response_url: str | None = None
    response_urls: list[_ResponseUrl] | None = None
    trigger_id: str | None = None
    callback_id: str | None = None
    api_app_id: str | None = None
    token: str | None = None
    ssl_check: str | None = None
    is_ext_shared_channel: bool | None = None
    view: _View | None = None
    container: dict[str, Any] | None = None
    state: dict[str, Any] | None = None
    actions: list[_Action] | None = None
    function_data: _FunctionData | None = None

    @model_validator(mode="after")
    def _who_and_where(self) -> SlackPayload:
        # Slack always sends these; a command or click without them has no one to answer
        if self.response_url is not None and not _is_web_url(self.response_url):
            raise ValueError("response_url is not an http(s) URL")
        if self.command is not None and not (self.team_id and self.channel_id and self.user_id):
            raise ValueError("a command without team_id, channel_id or user_id")
        if self.type == "block_actions" and not (_ref_id(self.user) and _ref_id(self.channel)):
            raise ValueError("a click without user or channel")
        if self.type == "block_actions" and not (_ref_id(self.team) or getattr(self.user, "team_id", None)):
            raise ValueError("a click without team")
        return self

    @model_validator(mode="after")
    def _actions_of_a_click(self) -> SlackPayload:
        if self.type in ("block_actions", "interactive_message") and "actions" in self.model_fields_set:
            if not self.actions:  # Bolt reads actions[0]
                raise ValueError(f"a {self.type} payload without actions")
            if self.type == "block_actions" and any(a.action_id is None for a in self.actions):
                raise ValueError("a block action without action_id")  # Bolt's matcher reads it
        return self


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and url.isascii()


def _ref_id(ref: str | _Ref | None) -> str | None:
    return ref if isinstance(ref, str) else ref.id if ref is not None else None


def bolt_request(text: str, request: web.BaseRequest) -> AsyncBoltRequest:
    """Bolt's request for the verified body `text` of `request`; MalformedPayload if it is none."""
    try:
        bolt = AsyncBoltRequest(body=text, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        # a JSON body or payload= field that does not parse, or parses to something else than an object
        raise MalformedPayload(f"not a Slack payload ({type(exc).__name__})") from None
    if not bolt.body and "payload" in text:
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" not in form:
            bolt.body = form
            bolt.context = build_async_context(AsyncBoltContext(), form)
    try:
        SlackPayload.model_validate(bolt.body)
    except ValidationError as exc:
        where = ".".join(str(part) for part in exc.errors()[0]["loc"]) or "body"
        raise MalformedPayload(f"unexpected {where}") from None
    return bolt
