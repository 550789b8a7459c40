"""One engine replica for the multi-process tests: `python -m tests.daily.engine_worker JSON`.

It runs passes until nothing is due (or its deadline) against a recording platform kept in the
same Redis under `{prefix}:sink:*`:

    calls  LIST  one entry per call of `send`: "worker|channel|idempotency key|ids"
    msgs   HASH  idempotency key -> message id of the message the platform holds

mode "lookup": every call creates a message; `find_sent` looks the key up (a Slack adapter
               searching its message metadata).
mode "nonce":  a repeated key does not create a second message (Discord's enforce_nonce); no
               `find_sent`.
`crash_after` N: SIGKILL itself right after the platform accepted its N-th post (the window
between the platform's answer and the engine's record). `delay`: seconds a send takes before
the platform accepts it. `hf`: the URL of the (fake) HF API its real HFSource asks, without retries;
the tests fill the shared list cache first and have that API answer 503, so the lists must come
from the cache.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime

from redis.asyncio import Redis

from bot.daily import DailyEngine, Delivery
from bot.settings import load_settings
from bot.source.hf_client import HFSource
from bot.store import build_state
from bot.store.scripts import load_scripts


async def main(args: dict) -> None:
    settings = load_settings(
        None,
        redis_url=args["url"],
        redis_key_prefix=args["prefix"],
        daily_lease_seconds=args.get("lease", 1.0),
        daily_send_concurrency=args.get("concurrency", 4),
        daily_batch_size=args.get("batch", 50),
        hf_endpoint=args["hf"],
        hf_max_retries=0,
    )
    redis = Redis.from_url(args["url"], decode_responses=True)
    sink = Redis.from_url(args["url"], decode_responses=True)
    await load_scripts(redis)
    source = HFSource(settings)
    engine = DailyEngine(build_state(redis, settings, source.fetch_day), owner=args["name"])
    calls_key, msgs_key = f"{args['prefix']}:sink:calls", f"{args['prefix']}:sink:msgs"
    accepted = 0

    async def send(delivery: Delivery) -> str:
        nonlocal accepted
        await asyncio.sleep(args.get("delay", 0.0))
        message_id = f"{args['name']}-{delivery.channel.channel}"
        ids = " ".join(delivery.paper_ids)
        async with sink.pipeline(transaction=True) as tx:  # the platform's one atomic act
            tx.rpush(calls_key, f"{args['name']}|{delivery.channel.tag}|{delivery.idempotency_key}|{ids}")
            tx.hsetnx(msgs_key, delivery.idempotency_key, message_id)
            _, created = await tx.execute()
        if args["mode"] == "nonce" and not created:
            message_id = await sink.hget(msgs_key, delivery.idempotency_key)
        accepted += 1
        if accepted == args.get("crash_after"):
            os.kill(os.getpid(), signal.SIGKILL)
        return message_id

    async def find_sent(delivery: Delivery) -> str | None:
        return await sink.hget(msgs_key, delivery.idempotency_key)

    now = datetime.fromisoformat(args["now"])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.get("seconds", 30)
    quiet = 0
    totals: dict[str, int] = {}
    while loop.time() < deadline and quiet < 2:
        report = await engine.run_due(now, send, find_sent=find_sent if args["mode"] == "lookup" else None)
        for key, value in report.as_dict().items():
            if isinstance(value, int) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0) + value
        quiet = quiet + 1 if report.due == 0 else 0
        await asyncio.sleep(0.05)
    print(json.dumps(totals))
    await source.aclose()
    await redis.aclose()
    await sink.aclose()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
