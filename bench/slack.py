"""Slack `/papers` latency over HTTP, one JSON line per figure: {"metric", "value", "unit"}.

slack_papers_p50_ms   time from sending a signed `/papers` request to its HTTP response (the ack
slack_papers_p99_ms   Slack waits for, at most 3 s), 50 requests at once, warm paper cache
                      (targets: p99 <= 50 ms and <= 1.5 x slack_noop_p99_ms)
slack_noop_p99_ms     the same for a Bolt app whose only listener acks (same Bolt settings, same
                      HTTP server), measured in the same run, rounds interleaved with the above
slack_noop_p50_ms
slack_papers_answer_p50_ms / _p99_ms
                      time from sending the request until its answer (the listing) arrived at the
                      response_url: the work done after the ack, for context (no target)

Setup: a temporary redis-server, the fake Hugging Face API (50 papers today) and the fake Slack
(Web API + response URLs) in a process of its own; each app runs in its own process exactly as
`papers-bot slack` runs it (adapters.slack.runtime.start, HTTP mode, daily loop off), so the load
generator and the fakes do not share an interpreter with the server being measured.

    python bench/slack.py [--rounds 20] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"


def emit(metric: str, value: float, unit: str = "ms", **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 2), "unit": unit, **extra}), flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


# --- the server processes -------------------------------------------------------------------------


async def serve(kind: str) -> int:
    """Run one app on a free port; print "READY <port>"; stop when stdin closes."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    from adapters.slack.http_mode import build_web_app
    from adapters.slack.screening import SlackScreen
    from bot.observability.server import HTTPServer
    from bot.settings import load_settings

    settings = load_settings(None)
    if kind == "papers":
        from adapters.slack.runtime import start

        runtime = await start(settings, host="127.0.0.1", port=0, daily=False)
        port, stop = runtime.port, runtime.stop
    else:
        from slack_bolt.async_app import AsyncApp

        from adapters.slack.webapi import build_client, new_session

        os.environ.pop("SLACK_BOT_TOKEN", None)  # Bolt would read it and warn that the client wins
        session = new_session()
        app = AsyncApp(
            client=build_client("xoxb-bench", settings.slack_api_url, session),
            signing_secret=SECRET,
            process_before_response=kind == "noop",  # "noop-default": Bolt's default settings
        )

        async def papers(ack: Any) -> None:
            await ack()

        app.command("/papers")(papers)

        async def health() -> tuple[bool, dict[str, Any]]:
            return True, {}

        screen = SlackScreen(SECRET)
        web_app = build_web_app(app, health, screen=screen)
        server = HTTPServer(web_app, host="127.0.0.1", port=0, prescreen=screen.prescreen)
        port = await server.start()

        async def stop() -> None:
            await server.stop()
            await session.close()

    print(f"READY {port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await stop()
    return 0


class Process:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.popen.stdout is not None
        self.first_line = self.popen.stdout.readline().strip()
        if not self.first_line:
            raise RuntimeError(f"{args} did not start")

    def close(self) -> None:
        if self.popen.stdin:
            self.popen.stdin.close()
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


# --- the load ---------------------------------------------------------------------------------------


def signed(body: str) -> dict[str, str]:
    from tests.fakes.slack_requests import signature_headers

    return {"Content-Type": "application/x-www-form-urlencoded"} | signature_headers(body, secret=SECRET)


def command(slack_url: str, name: str) -> str:
    return urlencode(
        {
            "command": "/papers",
            "text": "",
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "U1",
            "api_app_id": "A1",
            "trigger_id": name,
            "response_url": f"{slack_url}/response/{name}",
        }
    )


class Connection:
    """One keep-alive HTTP/1.1 connection with a bare-bones client.

    The load generator must cost next to nothing, or its own work (aiohttp's client takes a good
    fraction of a millisecond per request) shows up in the latencies: a request is written as
    prepared bytes and its response read by Content-Length, like wrk does.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        return cls(*await asyncio.open_connection(host, port))

    async def request(self, raw: bytes) -> int:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def raw_post(url: str, body: str, headers: dict[str, str]) -> bytes:
    rest = url.split("://", 1)[1]
    hostport, path = rest.split("/", 1)
    data = body.encode()
    lines = [
        f"POST /{path} HTTP/1.1",
        f"Host: {hostport}",
        f"Content-Length: {len(data)}",
        "Connection: keep-alive",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def burst(
    connections: list[Connection], url: str, slack_url: str, tag: str
) -> tuple[list[float], dict[str, float]]:
    """One signed /papers per connection, all at once; (ack latencies in ms, {name: epoch sent})."""
    requests = []
    for i in range(len(connections)):
        name = f"{tag}-{i}-{uuid.uuid4().hex[:6]}"
        body = command(slack_url, name)
        requests.append((name, raw_post(url, body, signed(body))))
    sent: dict[str, float] = {}

    async def one(connection: Connection, name: str, raw: bytes) -> float:
        sent[name] = time.time()
        started = time.perf_counter()
        status = await connection.request(raw)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
        return elapsed

    latencies = await asyncio.gather(*(one(c, *r) for c, r in zip(connections, requests, strict=True)))
    return list(latencies), sent


async def answered(session: Any, slack_url: str, names: dict[str, float], within: float = 30) -> list[float]:
    """Wait for every request's answer at the fake response URL; its latency in ms each."""
    deadline = time.monotonic() + within
    while True:
        async with session.get(f"{slack_url}/_responses") as response:
            arrived = {r["name"]: r for r in await response.json() if r["name"] in names}
        if len(arrived) == len(names):
            bad = [r for r in arrived.values() if r["kind"] != "ephemeral"]
            if bad:
                raise RuntimeError(f"unexpected answers: {bad[:3]}")
            return [(arrived[n]["at"] - at) * 1000 for n, at in names.items()]
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(arrived)} of {len(names)} answers arrived")
        await asyncio.sleep(0.05)


async def measure(
    urls: dict[str, str], slack_url: str, rounds: int, concurrency: int
) -> dict[str, list[float]]:
    import aiohttp

    out: dict[str, list[float]] = {"papers": [], "noop": [], "noop-default": [], "answer": []}
    pools: dict[str, list[Connection]] = {}
    for kind, url in urls.items():
        host, port = url.split("://", 1)[1].split("/", 1)[0].split(":")
        pools[kind] = [await Connection.open(host, int(port)) for _ in range(concurrency)]
    try:
        async with aiohttp.ClientSession() as session:  # only to read the fake's records
            # warm up: the paper cache (HF -> Redis -> memo), rankings, renderings and connections
            for _ in range(3):
                _, names = await burst(pools["papers"], urls["papers"], slack_url, "warm")
                await answered(session, slack_url, names)
                for kind in ("noop", "noop-default"):
                    await burst(pools[kind], urls[kind], slack_url, "warm")
            for r in range(rounds):
                order = (
                    ["papers", "noop", "noop-default"] if r % 2 == 0 else ["noop-default", "noop", "papers"]
                )
                for kind in order:
                    latencies, names = await burst(pools[kind], urls[kind], slack_url, f"{kind}{r}")
                    out[kind].extend(latencies)
                    if kind == "papers":
                        out["answer"].extend(await answered(session, slack_url, names))
                    await asyncio.sleep(0.05)
    finally:
        for pool in pools.values():
            for connection in pool:
                connection.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--serve", choices=["papers", "noop", "noop-default"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        from adapters.slack.cli import run_loop  # the event loop papers-bot slack runs on (uvloop)

        run_loop(serve(args.serve))
        return

    from bot.store.embedded import temporary_redis
    from tests.factories import api_item
    from tests.fakes.hf import FakeHF

    today = datetime.now(UTC).date()
    with temporary_redis() as redis_url, FakeHF() as hf:
        for back in range(3):
            day = today - timedelta(days=back)
            hf.days[day.isoformat()] = [
                api_item(
                    f"25{back:02d}.{i:05d}",
                    title=f"Paper {i}: efficient diffusion agents",
                    upvotes=300 - i,
                    abstract="We study things. " * 40,
                    authors=[f"Author {a}" for a in range(8)],
                    day=day,
                    ai_summary="A summary. " * 10,
                    github=f"https://github.com/o/r{i}",
                    stars=i * 10,
                )
                for i in range(50)
            ]
        fake = Process(["-m", "tests.fakes.slack_api"], dict(os.environ))
        slack_url = fake.first_line
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": f"bench{uuid.uuid4().hex[:6]}",
            "HF_ENDPOINT": hf.url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{slack_url}/api/",
        }
        env.pop("SLACK_APP_TOKEN", None)
        servers: dict[str, Process] = {}
        try:
            for kind in ("papers", "noop", "noop-default"):
                servers[kind] = Process([str(Path(__file__).resolve()), "--serve", kind], env)
            urls = {k: f"http://127.0.0.1:{p.first_line.split()[1]}/slack/events" for k, p in servers.items()}
            results = asyncio.run(measure(urls, slack_url, args.rounds, args.concurrency))
        finally:
            for process in servers.values():
                process.close()
            fake.close()

    papers, noop = results["papers"], results["noop"]
    extra = {"concurrency": args.concurrency, "samples": len(papers)}
    emit("slack_papers_p50_ms", statistics.median(papers), **extra)
    emit("slack_papers_p99_ms", percentile(papers, 99), target=50, **extra)
    emit("slack_noop_p50_ms", statistics.median(noop), **extra)
    emit("slack_noop_p99_ms", percentile(noop, 99), **extra)
    emit("slack_papers_p99_vs_noop", percentile(papers, 99) / percentile(noop, 99), "ratio", target=1.5)
    emit(
        "slack_noop_bolt_default_p99_ms",
        percentile(results["noop-default"], 99),
        note="process_before_response=False",
    )
    emit(
        "slack_papers_answer_p50_ms",
        statistics.median(results["answer"]),
        note="until the listing reached response_url",
    )
    emit("slack_papers_answer_p99_ms", percentile(results["answer"], 99))


if __name__ == "__main__":
    main()
