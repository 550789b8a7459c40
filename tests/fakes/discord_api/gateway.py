"""The gateway half of the Discord stand-in: a websocket speaking gateway v10 (JSON encoding).

Handshake as Discord does it: HELLO -> (client HEARTBEAT, answered by HEARTBEAT_ACK) -> IDENTIFY -> READY (guilds
listed as unavailable) -> one GUILD_CREATE per available guild of the session's shard. RESUME replays missed
dispatches then sends RESUMED. Transport compression follows the ``compress`` query parameter the client put in
the URL: ``zlib-stream`` (one zlib context per connection, every message ending in a Z_SYNC_FLUSH), ``zstd-stream``
(when a zstd module is importable) or none (plain text frames).
"""

# Waiting helpers take an explicit ``timeout=`` on purpose: every wait in a test must be bounded.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads as p

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

# Intents that need to be enabled in the developer portal.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT


def _compressor(kind: str | None) -> Callable[[bytes], bytes] | None:
    if kind == "zlib-stream":
        ctx = zlib.compressobj()
        return lambda data: ctx.compress(data) + ctx.flush(zlib.Z_SYNC_FLUSH)
    if kind == "zstd-stream":
        try:
            import zstandard  # type: ignore[import-not-found]
        except ImportError:
            pass
        else:
            cobj = zstandard.ZstdCompressor().compressobj()
            return lambda data: cobj.compress(data) + cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        try:
            from compression import zstd  # type: ignore[import-not-found]
        except ImportError:
            return None
        zctx = zstd.ZstdCompressor()
        return lambda data: zctx.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
    return None


@dataclass
class GatewayFrame:
    """A frame the client sent (decoded JSON)."""

    connection: int
    op: int | None
    d: Any
    received_at: float


@dataclass
class GatewayConnection:
    """One websocket connection (a session may span several after RESUMEs)."""

    index: int
    query: dict[str, str]
    compress: str | None
    opened_at: float
    ws: web.WebSocketResponse
    send: Callable[[dict[str, Any]], Any]  # coroutine function
    session: GatewaySession | None = None
    close_code: int | None = None
    closed_at: float | None = None
    heartbeats: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)  # every payload sent, decoded


@dataclass
class GatewaySession:
    session_id: str
    identify: dict[str, Any]
    shard: list[int] | None
    seq: int = 0
    dispatched: list[dict[str, Any]] = field(default_factory=list)  # for RESUME replay
    connection: GatewayConnection | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # READY and every GUILD_CREATE sent
    resumes: int = 0

    @property
    def shard_id(self) -> int:
        return self.shard[0] if self.shard else 0

    @property
    def shard_count(self) -> int:
        return self.shard[1] if self.shard else 1

    @property
    def intents(self) -> int | None:
        return self.identify.get("intents")

    def owns(self, guild_id: int | None) -> bool:
        return p.shard_for(guild_id, self.shard_count) == self.shard_id

    @property
    def open(self) -> bool:
        return self.connection is not None and not self.connection.ws.closed


class Gateway:
    def __init__(
        self,
        world: p.World,
        *,
        gateway_url: Callable[[], str],
        heartbeat_interval_ms: int = 41_250,
        allowed_intents: int | None = None,
    ) -> None:
        self.world = world
        self.gateway_url = gateway_url
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_intents = allowed_intents

        self.connections: list[GatewayConnection] = []
        self.frames: list[GatewayFrame] = []
        self.identifies: list[dict[str, Any]] = []  # every IDENTIFY ``d`` received (token included)
        self.sessions: dict[str, GatewaySession] = {}
        self._changed = asyncio.Condition()

        self.app = web.Application()
        self.app.router.add_get("/{tail:.*}", self._handle)

    # ------------------------------------------------------------ controls

    def session_for(
        self, *, guild_id: int | None = None, shard_id: int | None = None
    ) -> GatewaySession | None:
        """The most recent open, READY session owning ``guild_id`` (or with ``shard_id``)."""
        for session in reversed(list(self.sessions.values())):
            if not session.open or not session.ready.is_set():
                continue
            if shard_id is not None and session.shard_id != shard_id:
                continue
            if shard_id is None and not session.owns(guild_id):
                continue
            return session
        return None

    async def wait_ready(
        self, *, guild_id: int | None = None, shard_id: int | None = None, timeout: float = 5.0
    ) -> GatewaySession:
        async def until() -> GatewaySession:
            async with self._changed:
                while True:
                    session = self.session_for(guild_id=guild_id, shard_id=shard_id)
                    if session is not None:
                        return session
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no READY gateway session (guild_id={guild_id}, shard_id={shard_id}) within {timeout}s; "
                f"{len(self.connections)} connection(s), identifies: {[i.get('shard') for i in self.identifies]}"
            ) from None

    async def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        shard_id: int | None = None,
        timeout: float = 5.0,
    ) -> GatewaySession:
        """Send a DISPATCH to the session owning ``guild_id`` (waits for one to be READY)."""
        session = await self.wait_ready(guild_id=guild_id, shard_id=shard_id, timeout=timeout)
        await self._dispatch(session, event, data)
        return session

    async def send_op(self, op: int, d: Any = None, *, shard_id: int | None = None) -> None:
        """Send a raw non-dispatch op (e.g. RECONNECT) to every open session (or one shard)."""
        for session in list(self.sessions.values()):
            if session.open and (shard_id is None or session.shard_id == shard_id):
                assert session.connection is not None
                await session.connection.send({"op": op, "d": d, "s": None, "t": None})

    async def request_reconnect(self, *, shard_id: int | None = None) -> None:
        """Op 7 RECONNECT: the client should close and RESUME on ``resume_gateway_url``."""
        await self.send_op(RECONNECT, None, shard_id=shard_id)

    async def invalidate_session(self, *, resumable: bool = False, shard_id: int | None = None) -> None:
        """Op 9 INVALID_SESSION; with ``resumable=False`` the client must IDENTIFY again."""
        if not resumable:
            for session in self.sessions.values():
                if shard_id is None or session.shard_id == shard_id:
                    session.dispatched.clear()
                    session.seq = -1  # refuse resumes of this session
        await self.send_op(INVALID_SESSION, resumable, shard_id=shard_id)

    async def close_all(self, code: int = 1001, message: bytes = b"stand-in shutting down") -> None:
        for conn in self.connections:
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await conn.ws.close(code=code, message=message)

    # ------------------------------------------------------------ protocol

    async def _dispatch(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.dispatched.append(payload)
        if session.connection is not None and not session.connection.ws.closed:
            await session.connection.send(payload)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0, compress=False)
        await ws.prepare(request)
        query = dict(request.query)
        compress = query.get("compress")
        compressor = _compressor(compress)
        lock = asyncio.Lock()

        conn_ref: list[GatewayConnection] = []

        async def send(payload: dict[str, Any]) -> None:
            raw = json.dumps(payload, separators=(",", ":")).encode()
            async with lock:
                if ws.closed:
                    return
                conn_ref[0].sent.append(payload)
                if compressor is not None:
                    await ws.send_bytes(compressor(raw))
                else:
                    await ws.send_str(raw.decode())

        conn = GatewayConnection(
            index=len(self.connections),
            query=query,
            compress=compress,
            opened_at=time.time(),
            ws=ws,
            send=send,
        )
        conn_ref.append(conn)
        self.connections.append(conn)

        try:
            if query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"the stand-in speaks encoding=json only")
                return ws
            if compress and compressor is None:
                await ws.close(code=4000, message=f"unsupported compress={compress}".encode())
                return ws
            await send(
                {
                    "op": HELLO,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["standin"]},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    raw = msg.data
                elif msg.type == WSMsgType.BINARY:
                    raw = msg.data.decode("utf-8", "replace")
                else:
                    break
                try:
                    frame = json.loads(raw)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                self.frames.append(GatewayFrame(conn.index, frame.get("op"), frame.get("d"), time.time()))
                await self._on_frame(conn, frame)
        finally:
            conn.close_code = ws.close_code
            conn.closed_at = time.time()
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            await self._notify()
        return ws

    async def _on_frame(self, conn: GatewayConnection, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        d = frame.get("d")
        if op == HEARTBEAT:
            conn.heartbeats += 1
            await conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, d or {})
        elif op == RESUME:
            await self._resume(conn, d or {})
        elif conn.session is None and op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE, REQUEST_GUILD_MEMBERS):
            await conn.ws.close(code=4003, message=b"Not authenticated.")
        elif op == REQUEST_GUILD_MEMBERS:
            await self._members_chunk(conn, d or {})
        elif op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
            pass  # recorded in self.frames
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        self.identifies.append(d)
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        token = str(d.get("token") or "")
        if not token or (self.world.token is not None and token != self.world.token):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = d.get("shard")
        if shard is not None and (
            not isinstance(shard, list) or len(shard) != 2 or not 0 <= int(shard[0]) < int(shard[1])
        ):
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents >= 1 << 26:
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        if self.allowed_intents is not None and intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return

        session = GatewaySession(
            session_id=secrets.token_hex(16),
            identify=d,
            shard=[int(shard[0]), int(shard[1])] if shard else None,
        )
        session.connection = conn
        conn.session = session
        self.sessions[session.session_id] = session
        guilds = [g for g in self.world.guilds if session.owns(g.id)]
        await self._dispatch(
            session,
            "READY",
            p.ready(
                bot=self.world.bot,
                application_id=self.world.application_id,
                guilds=guilds,
                session_id=session.session_id,
                resume_gateway_url=self.gateway_url(),
                shard=session.shard,
            ),
        )
        for g in guilds:
            if not g.unavailable:
                await self._dispatch(session, "GUILD_CREATE", p.guild_create(g, self.world.bot))
        session.ready.set()
        await self._notify()

    async def _resume(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        session = self.sessions.get(str(d.get("session_id")))
        seq = d.get("seq")
        if (
            session is None
            or session.seq < 0
            or str(d.get("token") or "") != str(session.identify.get("token"))
            or (session.open and session.connection is not conn)
        ):
            await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        session.connection = conn
        session.resumes += 1
        conn.session = session
        for payload in session.dispatched:
            if seq is None or payload["s"] > int(seq):
                await conn.send(payload)
        await self._dispatch(session, "RESUMED", {"_trace": ["standin"]})
        await self._notify()

    async def _members_chunk(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        assert conn.session is not None
        guild_ids = d.get("guild_id")
        for gid in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            spec = self.world.guild(gid)
            if spec is None:
                continue
            chunk: dict[str, Any] = {
                "guild_id": str(spec.id),
                "members": [p.member(self.world.bot, roles=[spec.bot_role_id])],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            if d.get("presences"):
                chunk["presences"] = []
            await self._dispatch(conn.session, "GUILD_MEMBERS_CHUNK", chunk)
