"""The HTTP server every process runs on PORT, hardened for a public address.

`HTTPServer(web_app, limits, refusals)` serves an aiohttp application (health, metrics, and Slack's
request URL in HTTP mode) like aiohttp's AppRunner + TCPSite, plus what aiohttp lacks for a port
anyone can reach:

* **a read deadline**: a request's headers and body must arrive within `read_timeout` seconds of
  its first byte (the deadline of a slowloris client: half its headers, or a Content-Length it never
  sends). aiohttp times out neither; its keep-alive timer only closes connections that sent nothing.
  Handlers that read a body get the deadline from `read_deadline(request)`.
* **an idle timeout**: a connection without a request in progress is closed after `idle_timeout`.
* **a cap on connections** (`max_connections`, kept below the process's file-descriptor limit):
  a new connection over the cap takes the place of the connection that has been waiting longest
  for a request (idle, or still sending one); when every connection is busy in a handler, the new
  one is closed at once.
* **quiet refusals**: aiohttp logs a traceback for every malformed request it answers 400; here such
  requests, timeouts and closed connections are counted and logged by `Refusals` (one short line,
  rate-limited), never with a traceback.

It also sets what aiohttp leaves open: no lingering read of a refused request's body (a client
that sent a 1 MB body we refused is hung up on, not read), no automatic decompression of request
bodies (a gzip bomb stays compressed; Slack never compresses), and a listen backlog sized for a
flood. Deadlines are checked by one sweep a fraction of `read_timeout` apart, so they hold to within
that fraction; a sweep costs one pass over at most `max_connections` entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.observability.refusals import Refusals

log = logging.getLogger(__name__)

IDLE, READING, BUSY = 0, 1, 2  # a connection's state: waiting for a request, receiving one, in a handler
READ_DEADLINE = web.RequestKey("read_deadline", float)  # loop.time() by which the body must have arrived
FD_RESERVE = 128  # descriptors kept free for Redis, HF, Slack connections and files
BACKLOG = 1024  # pending connections the kernel queues (capped by net.core.somaxconn)


@dataclass(frozen=True)
class HTTPLimits:
    """Timeouts (seconds) and the connection cap of an `HTTPServer`."""

    read_timeout: float = 5.0
    idle_timeout: float = 75.0
    max_connections: int = 512

    @classmethod
    def from_settings(cls, settings: Any) -> HTTPLimits:
        """From HTTP_READ_TIMEOUT_SECONDS, HTTP_IDLE_TIMEOUT_SECONDS and HTTP_MAX_CONNECTIONS."""
        return cls(
            read_timeout=settings.http_read_timeout_seconds,
            idle_timeout=settings.http_idle_timeout_seconds,
            max_connections=settings.http_max_connections,
        )


class _Connection:
    __slots__ = ("peer", "since", "state", "transport")

    def __init__(self, transport: asyncio.BaseTransport, now: float) -> None:
        self.transport = transport
        self.state = IDLE
        self.since = now  # when the current state began (loop.time())
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) and peer else "?"


class ConnectionGuard:
    """Tracks every connection's state; enforces the deadlines and the cap (see the module doc)."""

    def __init__(self, limits: HTTPLimits, refusals: Refusals) -> None:
        self.limits = limits
        self.refusals = refusals
        self.max_connections = _cap_to_fd_limit(limits.max_connections)
        self._connections: dict[asyncio.BaseTransport, _Connection] = {}
        self._loop = asyncio.get_running_loop()
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    def protocol_factory(self, inner: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        return lambda: _GuardedProtocol(inner(), self)

    def start(self) -> None:
        self._sweeper = self._loop.create_task(self._sweep_forever(), name="http connection sweep")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    # --- called by the protocol and the middleware ---------------------------------------------------

    def admit(self, transport: asyncio.BaseTransport) -> _Connection | None:
        """A new connection, or None when it must be closed (the cap is reached, all busy)."""
        if len(self._connections) >= self.max_connections:
            waiting = [c for c in self._connections.values() if c.state != BUSY]
            if not waiting:
                peer = transport.get_extra_info("peername")
                self.refusals.refuse("connection_cap", source=str(peer[0]) if peer else None)
                return None
            oldest = min(waiting, key=lambda c: c.since)
            self.drop(oldest, "connection_evicted", f"over {self.max_connections} connections")
        connection = _Connection(transport, self._loop.time())
        self._connections[transport] = connection
        return connection

    def forget(self, connection: _Connection) -> None:
        self._connections.pop(connection.transport, None)

    def drop(self, connection: _Connection, kind: str | None, detail: str = "") -> None:
        """Close `connection` now; refusals count it under `kind` (None: a normal idle close)."""
        self._connections.pop(connection.transport, None)
        if kind is not None:
            self.refusals.refuse(kind, source=connection.peer, detail=detail)
        connection.transport.abort()

    def request_started(self, request: web.BaseRequest) -> None:
        connection = self._connections.get(request.transport) if request.transport else None
        if connection is None:
            request[READ_DEADLINE] = self._loop.time() + self.limits.read_timeout
            return
        start = connection.since if connection.state == READING else self._loop.time()
        request[READ_DEADLINE] = start + self.limits.read_timeout
        connection.state, connection.since = BUSY, self._loop.time()

    def request_finished(self, request: web.BaseRequest) -> None:
        connection = self._connections.get(request.transport) if request.transport else None
        if connection is not None and connection.state == BUSY:
            # Back to waiting. Half a pipelined request already buffered behind this one is then
            # held until idle_timeout, not read_timeout (the protocol cannot tell its bytes from
            # this request's body); such a connection is among the first the cap evicts.
            connection.state, connection.since = IDLE, self._loop.time()

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.request_started(request)
        try:
            return await handler(request)
        finally:
            self.request_finished(request)

    # --- deadlines ---------------------------------------------------------------------------------

    def sweep(self) -> None:
        """Close every connection past its read deadline or idle timeout."""
        now = self._loop.time()
        read_limit, idle_limit = now - self.limits.read_timeout, now - self.limits.idle_timeout
        for connection in list(self._connections.values()):
            if connection.state == READING and connection.since < read_limit:
                self.drop(
                    connection, "read_timeout", f"no complete request within {self.limits.read_timeout:g} s"
                )
            elif connection.state == IDLE and connection.since < idle_limit:
                self.drop(connection, None)

    async def _sweep_forever(self) -> None:
        interval = max(0.02, min(1.0, self.limits.read_timeout / 5))
        while True:
            await asyncio.sleep(interval)
            self.sweep()


class _GuardedProtocol(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the guard watching when bytes arrive."""

    __slots__ = ("_connection", "_guard", "_inner")

    def __init__(self, inner: asyncio.Protocol, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._connection: _Connection | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._connection = self._guard.admit(transport)
        if self._connection is None:
            transport.abort()
            return
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        connection = self._connection
        if connection is None:
            return
        if connection.state == IDLE:
            connection.state, connection.since = READING, self._guard._loop.time()
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._connection is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._connection is None:
            return
        self._guard.forget(self._connection)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._connection is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._connection is not None:
            self._inner.resume_writing()


class _ServerLog:
    """aiohttp's server logger, minus a traceback for every malformed request it answers 400."""

    def __init__(self, refusals: Refusals) -> None:
        self._refusals = refusals
        self._log = logging.getLogger("aiohttp.server")

    def debug(self, *args: Any, **kwargs: Any) -> None:
        self._log.debug(*args, **kwargs)

    def exception(self, msg: str, *args: Any, exc_info: Any = None, **kwargs: Any) -> None:
        if isinstance(exc_info, HttpProcessingError):  # the parser refused it: 400, nothing of ours failed
            source = str(args[0]) if args else None
            self._refusals.refuse("bad_http", source=source, detail=type(exc_info).__name__)
        else:
            self._log.exception(msg, *args, exc_info=exc_info or True, **kwargs)


class HTTPServer:
    """Serves `web_app` on host:port in the current event loop, guarded as the module doc says."""

    def __init__(
        self,
        web_app: web.Application,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        limits: HTTPLimits | None = None,
        refusals: Refusals | None = None,
    ) -> None:
        self.web_app = web_app
        self.host = host
        self.port = port
        self.limits = limits or HTTPLimits()
        self.refusals = refusals or Refusals()
        self.guard: ConnectionGuard | None = None
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.AbstractServer | None = None

    async def start(self) -> int:
        """Start listening; returns the port (useful with port 0). OSError if it cannot listen."""
        self.guard = ConnectionGuard(self.limits, self.refusals)
        self.web_app.middlewares.insert(0, self.guard.middleware)
        self._runner = web.AppRunner(
            self.web_app,
            handle_signals=False,
            shutdown_timeout=5,
            access_log=None,
            keepalive_timeout=self.limits.idle_timeout,
            lingering_time=0,
            auto_decompress=False,
            logger=_ServerLog(self.refusals),
        )
        await self._runner.setup()
        assert self._runner.server is not None
        try:
            self._listener = await asyncio.get_running_loop().create_server(
                self.guard.protocol_factory(self._runner.server),
                self.host,
                self.port,
                reuse_address=True,
                backlog=BACKLOG,
            )
        except BaseException:
            await self._runner.cleanup()
            raise
        self.guard.start()
        self.port = self._listener.sockets[0].getsockname()[1]
        log.info("listening on http://%s:%d", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop listening, finish the requests in flight (at most 5 s) and close every connection."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.guard is not None:
            await self.guard.stop()
        self.refusals.flush()

    cleanup = stop  # the name of aiohttp's AppRunner.cleanup, for callers that held a runner


def read_deadline(request: web.BaseRequest, limits: HTTPLimits | None = None) -> float:
    """The loop.time() by which `request`'s body must have arrived (set by HTTPServer's middleware;
    without it, read_timeout from now)."""
    deadline = request.get(READ_DEADLINE)
    if deadline is None:
        deadline = asyncio.get_running_loop().time() + (limits or HTTPLimits()).read_timeout
    return deadline


def _cap_to_fd_limit(wanted: int) -> int:
    """`wanted`, or less when the process may not open that many descriptors (RLIMIT_NOFILE)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or wanted + FD_RESERVE <= soft:
        return wanted
    capped = max(16, soft - FD_RESERVE)
    log.warning(
        "HTTP_MAX_CONNECTIONS=%d is more than the file-descriptor limit (%d) allows; using %d",
        wanted,
        soft,
        capped,
    )
    return capped
