"""The HTTP server every process runs on PORT, hardened for a public address.

`HTTPServer(web_app, limits, refusals)` serves an aiohttp application (health, metrics, and Slack's
request URL in HTTP mode) like aiohttp's AppRunner + TCPSite, plus what aiohttp lacks for a port
anyone can reach:

* **a read deadline**: a request's headers and body must arrive within `read_timeout` seconds of
  its first byte, or the connection is closed (a slowloris client: half its headers, or a
  Content-Length it never sends). aiohttp times out neither; its keep-alive timer only closes
  connections that sent nothing. A handler reading a body calls `body_read(request)` when it has
  it (until then the request counts as still arriving); `read_deadline(request)` is its deadline.
* **an idle timeout**: a connection without a request in progress is closed after `idle_timeout`.
* **a cap on connections** (`max_connections`, kept below the process's file-descriptor limit).
  At the cap, the connection that has waited longest for (the rest of) a request makes room, if it
  has waited at least MIN_EVICT_AGE (Slack sends a request at once); otherwise the new connection
  is closed. So stalled and slow clients cannot hold the slots.
* **a prescreen** of each connection's first request, before aiohttp (see `HTTPServer`): a flood
  of requests that can be refused from their head (or a small body) never costs aiohttp's
  per-connection work.
* **quiet refusals**: aiohttp logs a traceback for every malformed request it answers 400; here such
  requests, timeouts and evictions are counted and logged by `Refusals` (one short line,
  rate-limited), never with a traceback.

It also sets what aiohttp leaves open: no lingering read of a refused request's body (a client
that sent a 1 MB body we refused is hung up on, not read), no automatic decompression of request
bodies (a gzip bomb stays compressed; Slack never compresses), and a listen backlog sized for a
flood. Deadlines are checked by one sweep every `read_timeout / 5` seconds (at most 1 s), so they
hold to within that; a sweep is one pass over at most `max_connections` entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import resource
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import CIMultiDict

from bot.observability.refusals import Refusal, Refusals

log = logging.getLogger(__name__)

IDLE, READING, BUSY = 0, 1, 2  # waiting for a request; receiving one; in a handler with all of it
READ_DEADLINE = web.RequestKey("read_deadline", float)  # loop.time() by which the body must have arrived
GUARD = web.RequestKey("connection_guard", object)  # the ConnectionGuard that saw the request
FD_RESERVE = 128  # descriptors kept free for Redis, HF, Slack connections and files
BACKLOG = 1024  # pending connections the kernel queues (capped by net.core.somaxconn)
MIN_EVICT_AGE = 0.25  # seconds a connection must have waited before it can make room (Slack sends at once)
MAX_HEAD = 16 * 1024  # bytes of a first request's head at most (431 beyond: a proxy's head is < 4 KB)
_REQUEST_LINE_START = re.compile(rb"[A-Z]{1,16}(?: |\Z)")  # a method, then a space (or not yet)
MAX_PRESCREEN_BODY = 16 * 1024  # bytes of body prescreen may ask for (larger: the handler reads it)


@dataclass(frozen=True)
class HTTPLimits:
    """Timeouts (seconds) and the connection cap of an `HTTPServer`."""

    read_timeout: float = 5.0
    idle_timeout: float = 75.0
    max_connections: int = 2048

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
        self.since = now  # when it began waiting (IDLE), got its first byte (READING), or BUSY
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) and peer else "?"


class ConnectionGuard:
    """Every open connection's state, in the order of its last change (see the module doc)."""

    def __init__(self, limits: HTTPLimits, refusals: Refusals) -> None:
        self.limits = limits
        self.refusals = refusals
        self.max_connections = _cap_to_fd_limit(limits.max_connections)
        self.min_evict_age = min(MIN_EVICT_AGE, limits.read_timeout / 5)
        self._connections: dict[asyncio.BaseTransport, _Connection] = {}  # oldest change first
        self._loop = asyncio.get_running_loop()

    def __len__(self) -> int:
        return len(self._connections)

    def _set(self, connection: _Connection, state: int, since: float) -> None:
        connection.state, connection.since = state, since
        transport = connection.transport
        if self._connections.pop(transport, None) is not None:
            self._connections[transport] = connection  # to the end: the order stays "oldest first"

    def make_room(self) -> bool:
        """At the cap: close the connection waiting longest, if it waited min_evict_age; True if
        one was closed."""
        oldest_allowed = self._loop.time() - self.min_evict_age
        for connection in self._connections.values():
            if connection.since > oldest_allowed:
                return False  # the rest changed later still
            if connection.state != BUSY:
                self.drop(connection, "connection_evicted", f"over {self.max_connections} connections")
                return True
        return False

    def opened(self, transport: asyncio.BaseTransport) -> _Connection:
        connection = _Connection(transport, self._loop.time())
        self._connections[transport] = connection
        return connection

    def closed(self, connection: _Connection) -> None:
        self._connections.pop(connection.transport, None)

    def drop(self, connection: _Connection, kind: str | None, detail: str = "") -> None:
        """Close `connection` now; refusals count it under `kind` (None: a normal idle close)."""
        self._connections.pop(connection.transport, None)
        if kind is not None:
            self.refusals.refuse(kind, source=connection.peer, detail=detail)
        connection.transport.abort()

    def first_byte(self, connection: _Connection) -> None:
        self._set(connection, READING, self._loop.time())

    # --- called for each request (the middleware, and handlers that read a body) ----------------------

    def request_started(self, request: web.BaseRequest) -> None:
        request[GUARD] = self
        connection = self._connections.get(request.transport) if request.transport else None
        now = self._loop.time()
        if connection is None:
            request[READ_DEADLINE] = now + self.limits.read_timeout
            return
        start = connection.since if connection.state == READING else now
        request[READ_DEADLINE] = start + self.limits.read_timeout
        if not request.body_exists:
            self._set(connection, BUSY, now)
        elif connection.state != READING:
            self._set(connection, READING, start)  # its body is still to come

    def body_read(self, request: web.BaseRequest) -> None:
        connection = self._connections.get(request.transport) if request.transport else None
        if connection is not None:
            self._set(connection, BUSY, self._loop.time())

    def request_finished(self, request: web.BaseRequest) -> None:
        # Back to waiting. Half a pipelined request already buffered behind this one is then
        # held until idle_timeout, not read_timeout (the protocol cannot tell its bytes from this
        # request's body); at the cap, such a connection is among the first to make room.
        connection = self._connections.get(request.transport) if request.transport else None
        if connection is not None:
            self._set(connection, IDLE, self._loop.time())

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
                timeout = self.limits.read_timeout
                self.drop(connection, "read_timeout", f"no complete request within {timeout:g} s")
            elif connection.state == IDLE and connection.since < idle_limit:
                self.drop(connection, None)


class _GuardedProtocol(asyncio.Protocol):
    """One connection: aiohttp's protocol, made once the first request passed `prescreen`."""

    __slots__ = ("_buffer", "_connection", "_guard", "_head", "_inner", "_need", "_server", "_transport")

    def __init__(self, server: HTTPServer, guard: ConnectionGuard) -> None:
        self._server = server
        self._guard = guard
        self._inner: asyncio.Protocol | None = None
        self._connection: _Connection | None = None
        self._transport: asyncio.Transport | None = None
        self._buffer: bytearray | None = bytearray()  # the first request, until it passes
        self._head: tuple[str, str, CIMultiDict[str], int] | None = None  # method, path, headers, body start
        self._need = 0  # bytes of body prescreen asked for

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # (uvloop's transports are not subclasses)
        guard = self._guard
        if len(guard) >= guard.max_connections and not guard.make_room():
            peer = transport.get_extra_info("peername")
            guard.refusals.refuse("connection_cap", source=str(peer[0]) if peer else None)
            transport.abort()
            return
        self._transport = transport
        self._connection = guard.opened(transport)
        if self._server.prescreen is None:
            self._pass()

    def data_received(self, data: bytes) -> None:
        connection = self._connection
        if connection is None:
            return
        if connection.state == IDLE:
            self._guard.first_byte(connection)
        if self._inner is not None:
            self._inner.data_received(data)
            return
        assert self._buffer is not None
        self._buffer += data
        try:
            self._prescreen()
        except Refusal as refusal:
            self._refuse(refusal)
        except Exception:  # a bug of ours: aiohttp and the handler still check the request
            log.exception("prescreen failed; the request goes on to aiohttp")
            if self._inner is None:
                self._pass()

    def _prescreen(self) -> None:
        assert self._buffer is not None and self._server.prescreen is not None
        if self._head is None:
            if not _REQUEST_LINE_START.match(self._buffer):
                self._pass()  # not HTTP/1 (TLS, garbage): aiohttp answers 400 at once
                return
            end = self._buffer.find(b"\r\n\r\n")
            if end > MAX_HEAD or (end < 0 and len(self._buffer) > MAX_HEAD):
                raise Refusal(431, "head_too_large", f"headers over {MAX_HEAD} bytes")
            if end < 0:
                return
            head = _parse_head(bytes(self._buffer[:end]))
            if head is None:
                self._pass()  # something unusual: aiohttp's parser decides
                return
            method, path, headers = head
            self._head = (method, path, headers, end + 4)
            need = self._server.prescreen(method, path, headers, None)
            if not need:
                self._pass()
                return
            self._need = need
        method, path, headers, body_start = self._head
        if len(self._buffer) - body_start >= self._need:
            body = bytes(self._buffer[body_start : body_start + self._need])
            self._server.prescreen(method, path, headers, body)
            self._pass()

    def _pass(self) -> None:
        """Hand the connection, and what it sent so far, to aiohttp."""
        assert self._transport is not None
        self._inner = self._server.make_protocol()
        self._inner.connection_made(self._transport)
        buffered, self._buffer = self._buffer, None
        if buffered:
            self._inner.data_received(bytes(buffered))

    def _refuse(self, refusal: Refusal) -> None:
        assert self._transport is not None and self._connection is not None
        size = self._head[2].get("Content-Length") if self._head else None
        self._guard.refusals.refuse(
            refusal.kind,
            size=int(size) if size and size.isdigit() and len(size) < 20 else None,
            source=self._connection.peer,
            detail=refusal.detail,
        )
        self._buffer = None
        self._transport.write(refusal.raw())
        self._transport.close()

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._connection is not None:
            self._guard.closed(self._connection)
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()


def _parse_head(head: bytes) -> tuple[str, str, CIMultiDict[str]] | None:
    """(method, path, headers) of a request head; None when it is not plain HTTP/1.x (aiohttp's
    parser, which serves every request that passes, then decides what it is)."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        return None
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or not name.isascii():
            return None
        headers.add(name, value.strip(" \t"))
    return parts[0], parts[1].split("?", 1)[0], headers


class _ServerLog:
    """aiohttp's server logger, minus a traceback for every malformed request it answers 400."""

    def __init__(self, refusals: Refusals) -> None:
        self._refusals = refusals
        self._log = logging.getLogger("aiohttp.server")

    def debug(self, msg: str, *args: Any, exc_info: Any = None, **kwargs: Any) -> None:
        if not self._refused(args, exc_info):
            self._log.debug(msg, *args, exc_info=exc_info, **kwargs)

    def exception(self, msg: str, *args: Any, exc_info: Any = None, **kwargs: Any) -> None:
        if not self._refused(args, exc_info):
            self._log.exception(msg, *args, exc_info=exc_info or True, **kwargs)

    def _refused(self, args: tuple[Any, ...], exc_info: Any) -> bool:
        if not isinstance(exc_info, HttpProcessingError):
            return False
        # aiohttp's parser refused the request (400): nothing of ours failed
        source = str(args[0]) if args else None
        self._refusals.refuse("bad_http", source=source, detail=type(exc_info).__name__)
        return True


Prescreen = Callable[[str, str, CIMultiDict[str], bytes | None], int | None]


class HTTPServer:
    """Serves `web_app` on host:port in the current event loop, guarded as the module doc says.

    `prescreen(method, path, headers, body)` sees each connection's first request before aiohttp
    does (body None at first): it returns None to let aiohttp serve it, or a number n to be called
    again with the first n bytes of the body (at most MAX_PRESCREEN_BODY), and raises Refusal to
    have it answered and the connection closed, without aiohttp. Refusing a flood this way costs a
    fraction of what aiohttp costs per connection (bench/abuse.py); aiohttp still parses and
    serves every request that passes, so prescreen need not understand everything, only refuse
    what it is sure of. Later requests on a kept-alive connection go to aiohttp directly.
    """

    def __init__(
        self,
        web_app: web.Application,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        limits: HTTPLimits | None = None,
        refusals: Refusals | None = None,
        prescreen: Prescreen | None = None,
    ) -> None:
        self.web_app = web_app
        self.host = host
        self.port = port
        self.limits = limits or HTTPLimits()
        self.refusals = refusals or Refusals()
        self.prescreen = prescreen
        self.guard: ConnectionGuard | None = None
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.AbstractServer | None = None
        self._sweeper: asyncio.Task[None] | None = None

    def make_protocol(self) -> asyncio.Protocol:
        assert self._runner is not None and self._runner.server is not None
        return self._runner.server()

    async def start(self) -> int:
        """Start listening; returns the port (useful with port 0). OSError if it cannot listen."""
        self.guard = guard = ConnectionGuard(self.limits, self.refusals)
        self.web_app.middlewares.insert(0, guard.middleware)
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
        loop = asyncio.get_running_loop()
        try:
            self._listener = await loop.create_server(
                lambda: _GuardedProtocol(self, guard),
                self.host,
                self.port,
                reuse_address=True,
                backlog=BACKLOG,
            )
        except BaseException:
            await self._runner.cleanup()
            raise
        self.port = self._listener.sockets[0].getsockname()[1]
        self._sweeper = loop.create_task(self._sweep_forever(), name="http sweep")
        log.info("listening on http://%s:%d", self.host, self.port)
        return self.port

    async def _sweep_forever(self) -> None:
        assert self.guard is not None
        interval = max(0.02, min(1.0, self.limits.read_timeout / 5))
        while True:
            await asyncio.sleep(interval)
            self.guard.sweep()

    async def stop(self) -> None:
        """Stop listening, finish the requests in flight (at most 5 s) and close every connection."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.refusals.flush()

    cleanup = stop  # the name of aiohttp's AppRunner.cleanup, for callers that held a runner


def read_deadline(request: web.BaseRequest, limits: HTTPLimits | None = None) -> float:
    """The loop.time() by which `request`'s body must have arrived (set by HTTPServer's middleware;
    without it, read_timeout from now)."""
    deadline = request.get(READ_DEADLINE)
    if deadline is None:
        deadline = asyncio.get_running_loop().time() + (limits or HTTPLimits()).read_timeout
    return deadline


def body_read(request: web.BaseRequest) -> None:
    """Tell the server `request`'s body has arrived: from now on it is busy, not slow."""
    guard = request.get(GUARD)
    if isinstance(guard, ConnectionGuard):
        guard.body_read(request)


def _cap_to_fd_limit(wanted: int) -> int:
    """`wanted`, after raising the soft RLIMIT_NOFILE for it (up to the hard limit) if needed; less,
    with a warning, when the limit cannot allow that many descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + FD_RESERVE
    if soft == resource.RLIM_INFINITY or needed <= soft:
        return wanted
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if needed <= soft:
        return wanted
    capped = max(16, soft - FD_RESERVE)
    log.warning(
        "HTTP_MAX_CONNECTIONS=%d is more than the file-descriptor limit (%d) allows; using %d",
        wanted,
        soft,
        capped,
    )
    return capped
