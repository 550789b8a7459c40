"""Bulk pipelines without redis-py's per-command overhead, for the engine's big batches.

redis-py spends 20-60 µs of Python per pipelined command (argument encoding, response callbacks,
timeouts); a fan-out of 10,000 channels sends ~40,000. Here commands are packed straight into RESP
and the replies parsed in one pass over the received bytes, a few µs each. The connection itself
(connect, TLS, AUTH, SELECT, HELLO) is still redis-py's, borrowed from the client's pool, so any
REDIS_URL works. Replies come back as Python values with strings decoded (UTF-8); error replies
come back in place as exceptions (`NoScriptError`, `ResponseError`), like
`pipeline.execute(raise_on_error=False)`.

`Packed` carries arguments encoded once and reused in many commands (a topic set's candidate ids).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

READ_SIZE = 1 << 18
DEFAULT_READ_TIMEOUT = 30.0  # seconds without a byte, for a connection without a socket_timeout


class Packed:
    """Several arguments, RESP-encoded once."""

    __slots__ = ("count", "text")

    def __init__(self, args: Sequence[str | int]) -> None:
        self.count = len(args)
        self.text = "".join(_arg(a) for a in args)


def _arg(value: Any) -> str:
    kind = type(value)
    if kind is str:
        size = len(value) if value.isascii() else len(value.encode())
        return f"${size}\r\n{value}\r\n"
    if kind is int or kind is float:
        text = repr(value)
        return f"${len(text)}\r\n{text}\r\n"
    raise TypeError(f"cannot send {kind.__name__} to Redis")


def pack(commands: Sequence[Sequence[Any]]) -> bytes:
    """RESP arrays of bulk strings. Built as text (lengths counted in UTF-8 bytes), encoded once."""
    out: list[str] = []
    append = out.append
    for command in commands:
        count = len(command)
        body: list[str] = []
        add = body.append
        for value in command:
            kind = type(value)
            if kind is str:
                size = len(value) if value.isascii() else len(value.encode())
                add(f"${size}\r\n{value}\r\n")
            elif kind is Packed:
                add(value.text)
                count += value.count - 1
            else:
                add(_arg(value))
        append(f"*{count}\r\n")
        append("".join(body))
    return "".join(out).encode()


class _Incomplete(Exception):
    pass


def _error(message: str) -> Exception:
    if message.startswith("NOSCRIPT"):
        return NoScriptError(message)
    return ResponseError(message)


def _parse(buf: bytes, pos: int) -> tuple[Any, int]:
    """One RESP2/RESP3 value at `pos`: (value, position after it). Raises _Incomplete."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _Incomplete
    kind = buf[pos]
    if kind == 36 or kind == 61:  # $ bulk string, = verbatim string
        size = int(buf[pos + 1 : end])
        if size < 0:
            return None, end + 2
        start, stop = end + 2, end + 2 + size
        if stop + 2 > len(buf):
            raise _Incomplete
        text = buf[start:stop].decode("utf-8", "replace")
        return (text[4:] if kind == 61 else text), stop + 2
    if kind == 42 or kind == 126 or kind == 62:  # * array, ~ set, > push
        size = int(buf[pos + 1 : end])
        if size < 0:
            return None, end + 2
        items = []
        at = end + 2
        for _ in range(size):
            value, at = _parse(buf, at)
            items.append(value)
        return items, at
    if kind == 58 or kind == 40:  # : integer, ( big number
        return int(buf[pos + 1 : end]), end + 2
    if kind == 43:  # + simple string
        return buf[pos + 1 : end].decode(), end + 2
    if kind == 45:  # - error
        return _error(buf[pos + 1 : end].decode("utf-8", "replace")), end + 2
    if kind == 95:  # _ null
        return None, end + 2
    if kind == 44:  # , double
        return float(buf[pos + 1 : end]), end + 2
    if kind == 35:  # # boolean
        return buf[pos + 1 : end] == b"t", end + 2
    if kind == 37 or kind == 124:  # % map, | attribute (then the value it describes)
        size = int(buf[pos + 1 : end])
        at = end + 2
        mapping = {}
        for _ in range(size):
            key, at = _parse(buf, at)
            mapping[key], at = _parse(buf, at)
        if kind == 124:
            return _parse(buf, at)
        return mapping, at
    if kind == 33:  # ! blob error
        size = int(buf[pos + 1 : end])
        start, stop = end + 2, end + 2 + size
        if stop + 2 > len(buf):
            raise _Incomplete
        return _error(buf[start:stop].decode("utf-8", "replace")), stop + 2
    raise RedisConnectionError(f"unexpected reply type {chr(kind)!r}")


async def _get_connection(redis: Redis) -> Any:
    pool = redis.connection_pool
    try:
        return await pool.get_connection()
    except TypeError:  # redis-py before 5.3 wants a command name
        return await pool.get_connection("_")


async def execute(redis: Redis, commands: Sequence[Sequence[Any]]) -> list[Any]:
    """Send `commands` in one write and return their replies (errors in place)."""
    if not commands:
        return []
    data = pack(commands)
    pool = redis.connection_pool
    conn = await _get_connection(redis)
    try:
        await conn.send_packed_command(data)
        reader = conn._reader
        buf = b""
        pos = 0
        out: list[Any] = []
        wanted = len(commands)
        while len(out) < wanted:
            try:
                while len(out) < wanted:
                    value, pos = _parse(buf, pos)
                    out.append(value)
                break
            except (_Incomplete, IndexError):
                pass
            # Like redis-py's own reads: silence for the connection's socket_timeout is an error
            # (a frozen or partitioned Redis), never an endless wait.
            async with asyncio.timeout(conn.socket_timeout or DEFAULT_READ_TIMEOUT):
                chunk = await reader.read(READ_SIZE)
            if not chunk:
                raise RedisConnectionError("connection closed by the server")
            buf = buf[pos:] + chunk
            pos = 0
        return out
    except TimeoutError:
        with contextlib.suppress(Exception):
            await conn.disconnect()
        raise RedisTimeoutError(
            f"Redis sent nothing for {conn.socket_timeout or DEFAULT_READ_TIMEOUT} s"
        ) from None
    except BaseException:
        with contextlib.suppress(Exception):
            await conn.disconnect()
        raise
    finally:
        await pool.release(conn)
