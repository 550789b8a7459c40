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
  has waited at least `read_timeout / 5`; otherwise the server stops accepting until one closes,
  and new connections wait in the kernel's listen queue (BACKLOG) instead of being reset. So
  stalled clients cannot hold the slots, and a burst is queued, not refused.
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
import errno
import logging
import resource
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.observability.refusals import Refusals

log = logging.getLogger(__name__)

IDLE, READING, BUSY = 0, 1, 2  # waiting for a request; receiving one; in a handler with all of it
READ_DEADLINE = web.RequestKey("read_deadline", float)  # loop.time() by which the body must have arrived
GUARD = web.RequestKey("connection_guard", object)  # the ConnectionGuard that saw the request
FD_RESERVE = 128  # descriptors kept free for Redis, HF, Slack connections and files
BACKLOG = 1024  # pending connections the kernel queues (capped by net.core.somaxconn)
ACCEPT_BATCH = 64  # connections accepted per wake-up, so requests in flight get their turn
ACCEPT_RETRY = 1.0  # seconds before accepting again after the system ran out of descriptors
OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


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
        self.since = now  # when it began waiting (IDLE), got its first byte (READING), or BUSY
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) and peer else "?"


class ConnectionGuard:
    """Every open connection's state, in the order of its last change (see the module doc)."""

    def __init__(self, limits: HTTPLimits, refusals: Refusals) -> None:
        self.limits = limits
        self.refusals = refusals
        self.max_connections = _cap_to_fd_limit(limits.max_connections)
        self.min_evict_age = limits.read_timeout / 5
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
    """aiohttp's protocol for one connection (made once admitted), with the guard watching."""

    __slots__ = ("_connection", "_guard", "_inner", "_on_close")

    def __init__(
        self, make_inner: Callable[[], asyncio.Protocol], guard: ConnectionGuard, on_close: Callable[[], None]
    ) -> None:
        self._inner = make_inner
        self._guard = guard
        self._on_close = on_close
        self._connection: _Connection | None = None

    @property
    def made(self) -> bool:
        return self._connection is not None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._connection = self._guard.opened(transport)
        self._inner = self._inner()  # type: ignore[operator]
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        connection = self._connection
        if connection is not None and connection.state == IDLE:
            self._guard.first_byte(connection)
        self._inner.data_received(data)  # type: ignore[union-attr]

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        if self._connection is not None:
            self._guard.closed(self._connection)
            self._inner.connection_lost(exc)  # type: ignore[union-attr]
        self._on_close()

    def pause_writing(self) -> None:
        self._inner.pause_writing()  # type: ignore[union-attr]

    def resume_writing(self) -> None:
        self._inner.resume_writing()  # type: ignore[union-attr]


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
        self.open_connections = 0  # accepted and not yet closed (counts those still being set up)
        self._runner: web.AppRunner | None = None
        self._socket: socket.socket | None = None
        self._accepting = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

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
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            self._socket = socket.create_server((self.host, self.port), family=family, backlog=BACKLOG)
        except BaseException:
            await self._runner.cleanup()
            raise
        self._socket.setblocking(False)
        self.port = self._socket.getsockname()[1]
        self._resume()
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever(), name="http sweep")
        log.info("listening on http://%s:%d", self.host, self.port)
        return self.port

    def _resume(self) -> None:
        if not self._accepting and self._socket is not None:
            asyncio.get_running_loop().add_reader(self._socket.fileno(), self._accept)
            self._accepting = True

    def _pause(self) -> None:
        if self._accepting and self._socket is not None:
            asyncio.get_running_loop().remove_reader(self._socket.fileno())
            self._accepting = False

    def _accept(self) -> None:
        assert self._socket is not None and self.guard is not None and self._runner is not None
        loop = asyncio.get_running_loop()
        for _ in range(ACCEPT_BATCH):
            if self.open_connections >= self.guard.max_connections and not self.guard.make_room():
                self._pause()  # the kernel queues the next ones; a closing connection resumes
                return
            try:
                conn, _ = self._socket.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:
                if exc.errno not in OUT_OF_RESOURCES:
                    raise
                self.refusals.refuse("accept_failed", detail=exc.strerror or "")
                self._pause()
                loop.call_later(ACCEPT_RETRY, self._resume)
                return
            conn.setblocking(False)
            self.open_connections += 1
            protocol = _GuardedProtocol(self._runner.server, self.guard, self._connection_closed)  # type: ignore[arg-type]
            task = loop.create_task(self._connect(conn, protocol))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _connect(self, conn: socket.socket, protocol: _GuardedProtocol) -> None:
        try:
            await asyncio.get_running_loop().connect_accepted_socket(lambda: protocol, conn)
        except OSError:  # the client left before its transport was made
            conn.close()
            if not protocol.made:  # else connection_lost has counted it
                self._connection_closed()

    def _connection_closed(self) -> None:
        self.open_connections -= 1
        if (
            not self._accepting
            and self.guard is not None
            and self.open_connections < self.guard.max_connections
        ):
            self._resume()

    async def _sweep_forever(self) -> None:
        assert self.guard is not None
        interval = max(0.02, min(1.0, self.limits.read_timeout / 5))
        while True:
            await asyncio.sleep(interval)
            self.guard.sweep()

    async def stop(self) -> None:
        """Stop listening, finish the requests in flight (at most 5 s) and close every connection."""
        self._pause()
        if self._socket is not None:
            self._socket.close()
            self._socket = None
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
