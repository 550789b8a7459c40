"""``DiscordStandIn``: the REST API and the gateway of the stand-in, started together on free localhost ports.

    async with DiscordStandIn() as discord_:
        env = discord_.env()   # {"DISCORD_API_URL": "http://127.0.0.1:PORT/api/v10", "DISCORD_GATEWAY_URL": "ws://..."}
        ... start the bot pointed at it ...
        await discord_.wait_ready()
        sent = await discord_.dispatch_interaction(discord_.command_interaction("papers", option("day", "today")))
        callback = await sent.callback()
        assert callback.json["type"] == 4

``DiscordStandInThread`` runs the same thing on a private event loop in a thread, for synchronous tests.
"""

# Waiting helpers take an explicit ``timeout=`` on purpose: every wait in a test must be bounded.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from . import payloads as p
from .gateway import Gateway, GatewayConnection, GatewaySession
from .rest import InteractionState, RecordedRequest, Responder, RestAPI, ScriptRule, request_matcher

if TYPE_CHECKING:
    import discord  # the stand-in itself does not need discord.py


@dataclass
class DispatchedInteraction:
    """An INTERACTION_CREATE the stand-in sent, with helpers to wait for what the bot does about it."""

    standin: DiscordStandIn
    payload: dict[str, Any]
    state: InteractionState

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def token(self) -> str:
        return str(self.payload["token"])

    async def callback(self, *, timeout: float = 5.0) -> RecordedRequest:
        """The first POST /interactions/{id}/{token}/callback for this interaction (whatever its status)."""
        return await self.standin.wait_for(
            lambda r: (
                r.route == "POST /interactions/{interaction_id}/{interaction_token}/callback"
                and r.params.get("interaction_id") == str(self.id)
            ),
            timeout=timeout,
        )

    async def followup(self, *, timeout: float = 5.0, after: int = 0) -> RecordedRequest:
        """The first followup (POST /webhooks/{app_id}/{token}) for this interaction."""
        return await self.standin.wait_for(
            lambda r: (
                r.route == "POST /webhooks/{application_id}/{interaction_token}"
                and r.params.get("interaction_token") == self.token
            ),
            timeout=timeout,
            after=after,
        )

    async def original_edit(self, *, timeout: float = 5.0) -> RecordedRequest:
        """The first PATCH /webhooks/{app_id}/{token}/messages/@original for this interaction."""
        return await self.standin.wait_for(
            lambda r: (
                r.method == "PATCH"
                and r.params.get("interaction_token") == self.token
                and r.params.get("message_id") == "@original"
            ),
            timeout=timeout,
        )

    @property
    def original(self) -> dict[str, Any] | None:
        """The interaction's response message as it stands now (None before a type 4/5 callback)."""
        return self.state.original

    @property
    def followups(self) -> list[dict[str, Any]]:
        return self.state.followups


class DiscordStandIn:
    """A local stand-in of Discord: REST on ``api_url``, gateway on ``gateway_url`` (two free localhost ports).

    Point discord.py at it with ``discord.http.Route.BASE = standin.api_url`` and
    ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)``.
    """

    def __init__(
        self,
        *,
        guilds: list[p.GuildSpec] | None = None,
        application_id: int = p.DEFAULT_APPLICATION_ID,
        bot_user: p.UserSpec | None = None,
        invoker: p.UserSpec | None = None,
        token: str | None = None,
        host: str = "127.0.0.1",
        rest_port: int = 0,
        gateway_port: int = 0,
        heartbeat_interval_ms: int = 41_250,
        gateway_bot_shards: int = 1,
        allowed_intents: int | None = None,
        interaction_deadline: float | None = 3.0,
        nonce_window: float = 300.0,
        ratelimit_headers: bool = True,
        strict_channels: bool = True,
        fail_on_unknown_routes: bool = False,
    ) -> None:
        self.world = p.World(
            application_id=application_id,
            bot=bot_user or p.default_bot_user(application_id),
            guilds=guilds if guilds is not None else p.default_guilds(),
            token=token,
            invoker=invoker or p.default_invoker(),
        )
        self.host = host
        self._ports = (rest_port, gateway_port)
        self.fail_on_unknown_routes = fail_on_unknown_routes
        self._rest_port = 0
        self._gateway_port = 0
        self.rest = RestAPI(
            self.world,
            gateway_url=lambda: self.gateway_url,
            gateway_bot_shards=gateway_bot_shards,
            interaction_deadline=interaction_deadline,
            nonce_window=nonce_window,
            ratelimit_headers=ratelimit_headers,
            strict_channels=strict_channels,
        )
        self.gateway = Gateway(
            self.world,
            gateway_url=lambda: self.gateway_url,
            heartbeat_interval_ms=heartbeat_interval_ms,
            allowed_intents=allowed_intents,
        )
        self._runners: list[web.AppRunner] = []

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> Self:
        for app, port, attr in (
            (self.rest.app, self._ports[0], "_rest_port"),
            (self.gateway.app, self._ports[1], "_gateway_port"),
        ):
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            site = web.TCPSite(runner, self.host, port)
            await site.start()
            self._runners.append(runner)
            setattr(self, attr, runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        await self.gateway.close_all()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
        if exc_type is None and self.fail_on_unknown_routes and self.unknown_requests:
            listed = ", ".join(f"{r.method} {r.path}" for r in self.unknown_requests)
            raise AssertionError(f"requests to routes the Discord stand-in does not know: {listed}")

    # ------------------------------------------------------------ addresses

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._rest_port}"

    @property
    def api_url(self) -> str:
        """What ``discord.http.Route.BASE`` must be set to (no trailing slash)."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must be set to (as a ``yarl.URL``); also served by
        GET /gateway/bot and sent as READY's ``resume_gateway_url``."""
        return f"ws://{self.host}:{self._gateway_port}/"

    def env(self) -> dict[str, str]:
        """Environment for a bot process: ``DISCORD_API_URL`` and ``DISCORD_GATEWAY_URL``."""
        return {"DISCORD_API_URL": self.api_url, "DISCORD_GATEWAY_URL": self.gateway_url}

    # ------------------------------------------------------------ records

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request received, in arrival order."""
        return self.rest.requests

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        return [r for r in self.rest.requests if r.route is None]

    def message_creates(self, channel_id: int | str | None = None) -> list[RecordedRequest]:
        """POST /channels/{id}/messages requests that created a message (not rejected, not deduplicated by
        ``enforce_nonce``), optionally for one channel."""
        return [
            r
            for r in self.rest.requests
            if r.route == "POST /channels/{channel_id}/messages"
            and r.message is not None
            and not r.deduplicated
            and (channel_id is None or r.params["channel_id"] == str(channel_id))
        ]

    def channel_messages(self, channel_id: int | str) -> list[dict[str, Any]]:
        """Messages currently in a channel (creates, interaction responses and followups; edits applied)."""
        return list(self.rest.channel_messages.get(int(channel_id), []))

    @property
    def interaction_callbacks(self) -> list[RecordedRequest]:
        """Every POST /interactions/{id}/{token}/callback received (check ``.status`` for rejected ones)."""
        return [
            r
            for r in self.rest.requests
            if r.route == "POST /interactions/{interaction_id}/{interaction_token}/callback"
        ]

    @property
    def webhook_requests(self) -> list[RecordedRequest]:
        """Followups and @original edits/deletes (every /webhooks/{application_id}/{token}... request)."""
        return [r for r in self.rest.requests if r.route is not None and " /webhooks/" in r.route]

    @property
    def commands(self) -> dict[int | None, list[dict[str, Any]]]:
        """Synced application commands by guild id (None: global), as the stand-in answered them."""
        return self.rest.commands

    @property
    def identifies(self) -> list[dict[str, Any]]:
        """Every IDENTIFY payload (``d``) received: ``shard``, ``intents``, ``token``, ``properties``..."""
        return self.gateway.identifies

    @property
    def sessions(self) -> list[GatewaySession]:
        return list(self.gateway.sessions.values())

    @property
    def connections(self) -> list[GatewayConnection]:
        """Every gateway websocket (``.query`` holds v/encoding/compress, ``.close_code`` once closed)."""
        return self.gateway.connections

    # ------------------------------------------------------------ controls

    def script(
        self,
        route: str,
        *replies: Responder,
        times: int | None = 1,
        where: Callable[[RecordedRequest], bool] | None = None,
    ) -> ScriptRule:
        """Answer the next matching request(s) with ``replies`` instead of the built-in behaviour.

        ``route`` is ``"METHOD path"`` where path is a route template (``/channels/{channel_id}/messages``), a
        concrete path (``/channels/123/messages``) or a glob (``/channels/*/messages``); method may be ``*``.
        Several replies are served in order, once each; a single reply is served ``times`` times (None:
        forever). A reply may be a callable ``(RecordedRequest) -> Reply | None`` (None: built-in behaviour).
        Rules are tried in the order they were added; the first non-exhausted match wins.
        """
        return self.rest.script(route, *replies, times=times, where=where)

    def clear_scripts(self) -> None:
        self.rest.rules.clear()

    def command_interaction(
        self,
        name: str,
        *options: dict[str, Any],
        guild_id: int | bool | None = True,
        channel_id: int | None = None,
        user: p.UserSpec | None = None,
        member_permissions: int | None = None,
        app_permissions: int | None = None,
        command_type: int = p.CHAT_INPUT,
        command_guild_id: int | None = None,
        target_id: int | None = None,
        resolved: dict[str, Any] | None = None,
        interaction_type: int = p.APPLICATION_COMMAND,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """A realistic APPLICATION_COMMAND interaction payload for ``/name ...options``.

        Defaults: the first guild and its first text channel, the default invoker with @everyone's permissions.
        ``guild_id=None`` builds a DM interaction. ``command_guild_id`` marks the command as guild-registered.
        Options: ``payloads.option / subcommand / subcommand_group``.
        """
        guild: p.GuildSpec | None
        if guild_id is True:
            guild = self.world.guilds[0] if self.world.guilds else None
        elif guild_id is None or guild_id is False:
            guild = None
        else:
            guild = self.world.guild(guild_id) or p.GuildSpec(int(guild_id), "unknown guild")
        if channel_id is None and guild is not None:
            channel_id = next((c.id for c in guild.channels if c.type == p.GUILD_TEXT), None)
        data = p.command_data(
            name,
            list(options),
            command_id=self.rest.command_id(name, command_guild_id, command_type),
            command_type=command_type,
            command_guild_id=command_guild_id,
            target_id=target_id,
            resolved=resolved,
        )
        return p.interaction(
            interaction_type=interaction_type,
            data=data,
            application_id=self.world.application_id,
            guild=guild,
            channel_id=channel_id,
            invoker=user or self.world.invoker,
            member_permissions=member_permissions,
            app_permissions=app_permissions,
            locale=locale,
        )

    def component_interaction(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        user: p.UserSpec | None = None,
        channel_id: int | None = None,
        member_permissions: int | None = None,
    ) -> dict[str, Any]:
        """A MESSAGE_COMPONENT (type 3) payload: a click on the button ``custom_id`` of ``message``
        (a message as the stand-in holds it), in ``channel_id`` (default: the message's channel)."""
        guild = self.world.guild(int(message["guild_id"])) if message.get("guild_id") else None
        payload = p.interaction(
            interaction_type=p.MESSAGE_COMPONENT,
            data={"component_type": 2, "custom_id": custom_id},
            application_id=self.world.application_id,
            guild=guild,
            channel_id=channel_id or int(message["channel_id"]),
            invoker=user or self.world.invoker,
            member_permissions=member_permissions,
        )
        payload["message"] = message
        return payload

    def autocomplete_interaction(self, name: str, *options: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """An APPLICATION_COMMAND_AUTOCOMPLETE (type 4) payload; mark one option ``focused=True``."""
        payload = self.command_interaction(
            name, *options, interaction_type=p.APPLICATION_COMMAND_AUTOCOMPLETE, **kwargs
        )
        if p.focused_option(payload["data"].get("options", [])) is None:
            raise ValueError("an autocomplete interaction needs one option(..., focused=True)")
        return payload

    async def dispatch_interaction(
        self, payload: dict[str, Any], *, timeout: float = 5.0
    ) -> DispatchedInteraction:
        """Send INTERACTION_CREATE to the session owning the interaction's guild (waits for it to be READY).

        The 3 s response deadline (``interaction_deadline``) starts now.
        """
        guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None
        await self.gateway.wait_ready(guild_id=guild_id, timeout=timeout)
        state = self.rest.register_interaction(payload)
        await self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild_id, timeout=timeout)
        return DispatchedInteraction(self, payload, state)

    async def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        shard_id: int | None = None,
        timeout: float = 5.0,
    ) -> GatewaySession:
        """Send any DISPATCH event (``t=event``) to the session owning ``guild_id`` / having ``shard_id``."""
        return await self.gateway.dispatch(event, data, guild_id=guild_id, shard_id=shard_id, timeout=timeout)

    async def wait_ready(
        self, *, guild_id: int | None = None, shard_id: int | None = None, timeout: float = 5.0
    ) -> GatewaySession:
        """Wait until a gateway session (owning ``guild_id`` / with ``shard_id``) got READY + its GUILD_CREATEs."""
        return await self.gateway.wait_ready(guild_id=guild_id, shard_id=shard_id, timeout=timeout)

    async def wait_for(
        self, what: str | Callable[[RecordedRequest], bool], *, timeout: float = 5.0, after: int = 0
    ) -> RecordedRequest:
        """The first answered REST request matching ``what`` (a route string as in :meth:`script`, or a
        predicate), looking at requests from index ``after`` on, already received ones included."""
        return await self.rest.wait_for(what, timeout=timeout, after=after)

    async def wait_for_count(
        self,
        what: str | Callable[[RecordedRequest], bool],
        count: int,
        *,
        timeout: float = 5.0,
        after: int = 0,
    ) -> list[RecordedRequest]:
        """Wait until ``count`` answered requests match ``what``; returns them."""
        match = request_matcher(what)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        found: list[RecordedRequest] = []
        index = after
        while len(found) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"only {len(found)} of {count} requests matching {what!r} within {timeout}s"
                )
            req = await self.rest.wait_for(match, timeout=remaining, after=index)
            found.append(req)
            index = req.index + 1
        return found


@contextlib.contextmanager
def point_discord_py(api_url: str, gateway_url: str) -> Iterator[None]:
    """Point discord.py (in this process) at a stand-in, restoring the previous targets on exit.

    These are exactly the two knobs a bot process must turn (from ``DISCORD_API_URL`` /
    ``DISCORD_GATEWAY_URL``) before ``Client.start``/``login``: ``Route.BASE`` (a str without trailing slash;
    also the base of interaction callbacks and followups) and ``DiscordWebSocket.DEFAULT_GATEWAY`` (a
    ``yarl.URL``: discord.py calls ``.with_query`` on it).
    """
    # imported here: the stand-in itself does not need discord.py
    import discord.gateway
    import discord.http
    import yarl

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running(
    client: discord.Client, token: str, *, within: float = 5.0
) -> AsyncIterator[discord.Client]:
    """Run a discord.py `client` (logged in with `token`) until it is ready; always close it, before
    the stand-in goes away. Raises what made the client stop, or TimeoutError after `within` seconds."""
    task = asyncio.create_task(client.start(token))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises what made the client stop
            raise AssertionError("client stopped before becoming ready")
        if ready not in done:
            raise TimeoutError(f"client not ready within {within}s")
        yield client
    finally:
        ready.cancel()
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, within)


class DiscordStandInThread:
    """``DiscordStandIn`` on its own event loop in a daemon thread, for synchronous tests (e.g. a test that
    drives a bot subprocess with ``subprocess.run``). Attributes are forwarded; coroutine methods become
    blocking calls (``standin.dispatch_interaction(payload)``), or use :meth:`call` for anything async."""

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.standin: DiscordStandIn | None = None

    def __enter__(self) -> Self:
        started = concurrent.futures.Future[None]()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self.standin = loop.run_until_complete(DiscordStandIn(**self._kwargs).start())
            except BaseException as exc:  # handed to the starting thread
                started.set_exception(exc)
                return
            started.set_result(None)
            loop.run_forever()
            loop.run_until_complete(self.standin.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="discord-standin", daemon=True)
        self._thread.start()
        started.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def call(self, coro: Coroutine[Any, Any, Any], *, timeout: float = 30.0) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def __getattr__(self, name: str) -> Any:
        standin = self.__dict__.get("standin")
        if standin is None:
            raise AttributeError(name)
        value = getattr(standin, name)
        if asyncio.iscoroutinefunction(value):

            def blocking(*args: Any, **kwargs: Any) -> Any:
                return self.call(value(*args, **kwargs), timeout=float(kwargs.get("timeout", 5.0)) + 5.0)

            return blocking
        return value
