"""The bulk pipeline codec against a real server: every reply type the bot meets."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

from bot.store import resp
from bot.store.resp import Packed


async def test_replies(redis_client: Redis, key_prefix: str) -> None:
    k = f"{key_prefix}:x"
    results = await resp.execute(
        redis_client,
        [
            ("SET", k, "héllo wörld"),
            ("GET", k),
            ("GET", f"{key_prefix}:missing"),
            ("HSET", f"{k}:h", "a", 1, "b", 2.5),
            ("HMGET", f"{k}:h", "a", "b", "c"),
            ("ZADD", f"{k}:z", 1.5, "m", 2, "n"),
            ("ZRANGE", f"{k}:z", 0, -1, "WITHSCORES"),
            ("EVAL", "return {'a', false, 3, {'nested'}}", 0),
            ("EVALSHA", "0" * 40, 0),
            ("INCR", k),
            ("EVAL", "return redis.call('TIME')", 0),
            ("SET", f"{k}:big", "y" * 300_000),
            ("STRLEN", f"{k}:big"),
            ("GET", f"{k}:big"),
        ],
    )
    assert results[:6] == ["OK", "héllo wörld", None, 2, ["1", "2.5", None], 2]
    assert results[6] in (["m", "1.5", "n", "2"], [["m", 1.5], ["n", 2.0]])  # RESP2 or RESP3
    assert results[7] == ["a", None, 3, ["nested"]]
    assert isinstance(results[8], NoScriptError)
    assert isinstance(results[9], ResponseError) and not isinstance(results[9], NoScriptError)
    assert isinstance(results[10], list) and len(results[10]) == 2
    assert results[11:13] == ["OK", 300_000] and results[13] == "y" * 300_000
    # the connection is still in sync for redis-py's own commands
    assert await redis_client.get(k) == "héllo wörld"


async def test_packed_arguments(redis_client: Redis, key_prefix: str) -> None:
    members = Packed(["a", "ü", "c"])
    k = f"{key_prefix}:s"
    assert await resp.execute(redis_client, [("SADD", k, members), ("SMISMEMBER", k, members, "d")]) == [
        3,
        [1, 1, 1, 0],
    ]


async def test_many_commands(redis_client: Redis, key_prefix: str) -> None:
    n = 5000
    results = await resp.execute(redis_client, [("SET", f"{key_prefix}:{i}", str(i)) for i in range(n)])
    assert results == ["OK"] * n
    values = await resp.execute(redis_client, [("GET", f"{key_prefix}:{i}") for i in range(n)])
    assert values == [str(i) for i in range(n)]
