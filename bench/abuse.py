"""The Slack HTTP endpoint under a forged flood, one JSON line per figure: {"metric", "value", "unit"}.

Phases, on loopback only, bounded in time and count:
  calm    --calm seconds of real, signed `/papers` at --legit-rate a second
  flood   --flood seconds of the same, plus --flood-rate forged requests a second, each on a new
          connection (like Slack, each real command too): bad signatures (30%), bodies of
          --big-body bytes (1,000,000; 25%), malformed ones (40%: a body starting with `{` not JSON, a
          `payload=` that is not JSON, a 5,000-digit timestamp, invalid UTF-8, garbage HTTP), and
          5% stalled clients (Content-Length 4000 then 100 bytes, or half the headers), which keep
          their connection until the bot hangs up or the flood ends
  after   --after seconds of real commands, then the bot's memory is read

Figures (the aims are the issue's: every real command acknowledged and answered within 3 s
during the flood, memory growth under 50 MB and none of it kept after the flood):
  abuse_legit_ack_p50_ms / _p99_ms        real commands sent during the flood: time to the ack
  abuse_legit_acked_within_3s             share of them acknowledged (HTTP 200) within 3 s
  abuse_legit_answer_p50_ms / _p99_ms     time until the answer reached the response_url
  abuse_legit_answered_within_3s          share answered within 3 s
  abuse_forged_per_s, abuse_forged_5xx    forged requests sent a second; how many got a 5xx
  abuse_bot_cpu_per_forged_us             the bot's CPU time during the flood per forged request
                                          (with the cores it used and the machine's load average)
  abuse_stalled_held_max_s                longest a stalled client kept its connection (it gives up
                                          after 12 s; abuse_stalled_never_closed counts those)
  abuse_rss_calm_mb / _peak_mb / _after_mb   the bot's resident memory before, at most, after
  abuse_fds_peak                          the bot's open file descriptors at most
  abuse_log_bytes / abuse_log_lines       what the bot wrote to its log (LOG_LEVEL=INFO)
  abuse_log_filter_us_1kb / _1mb          the secret-masking log filter on a 1 KB and a 1 MB line

Setup as bench/slack.py: a temporary redis-server, the fake HF API (in this process), the fake
Slack (its own process) and the bot as `papers-bot slack` runs it (HTTP mode, daily loop off, real
logging to a file). The forged traffic comes from --flooders processes of its own.

    python bench/abuse.py [--flood-rate 1000] [--flood 30] [--app-dir DIR]

--app-dir runs the bot from another checkout (e.g. the code before the fix) with this harness.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.slack import SECRET, Process, command, emit, percentile, raw_post, signed  # noqa: E402

STALL_CAP = 12.0  # seconds a stalled client waits for the bot to hang up before giving up itself


# --- the bot --------------------------------------------------------------------------------------


async def serve_bot(log: TextIO) -> None:
    """Run the Slack app like `papers-bot slack` (real logging to `log`); print READY port."""
    from adapters.slack.runtime import start
    from bot.observability.logs import configure_logging
    from bot.settings import load_settings

    settings = load_settings(None)
    configure_logging(settings, log)
    runtime = await start(settings, host="127.0.0.1", port=0, daily=False)
    import adapters

    print(f"READY {runtime.port} {Path(adapters.__file__).parent}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runtime.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process `pid` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[float, float, int]:
    """(VmRSS MB, VmHWM MB, open descriptors) of process `pid`."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value
    rss = int(fields["VmRSS"].split()[0]) / 1024
    hwm = int(fields["VmHWM"].split()[0]) / 1024
    return rss, hwm, len(os.listdir(f"/proc/{pid}/fd"))


# --- forged requests ------------------------------------------------------------------------------


def forged_kinds(host: str, port: int) -> list[tuple[str, float]]:
    return [
        ("bad_signature", 0.30),
        ("big_body", 0.25),
        ("json_not_json", 0.10),
        ("payload_not_json", 0.10),
        ("long_timestamp", 0.08),
        ("invalid_utf8", 0.07),
        ("garbage_http", 0.05),
        ("stalled_body", 0.025),
        ("stalled_headers", 0.025),
    ]


def forged_bytes(kind: str, host: str, port: int, big_body: int) -> bytes:
    """One forged request of `kind` (for the stalled kinds: what the client sends before stalling)."""
    url = f"http://{host}:{port}/slack/events"
    now = str(int(time.time()))
    bad = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": now,
           "X-Slack-Signature": "v0=" + "0" * 64}  # fmt: skip
    if kind == "bad_signature":
        return raw_post(url, command("http://127.0.0.1:9/x", uuid.uuid4().hex), bad)
    if kind == "big_body":
        return raw_post(url, "text=" + "a" * (big_body - 5), bad)
    if kind == "json_not_json":
        return raw_post(url, '{"type": "block_actions", broken', bad)
    if kind == "payload_not_json":
        return raw_post(url, "payload=%7Bbroken", bad)
    if kind == "long_timestamp":
        return raw_post(url, "text=x", bad | {"X-Slack-Request-Timestamp": "1" * 5000})
    if kind == "invalid_utf8":
        head = raw_post(url, "", bad).split(b"Content-Length: 0", 1)
        return head[0] + b"Content-Length: 6" + head[1] + b"\xff\xfe\xfa{}x"
    if kind == "garbage_http":
        return b"POST /slack/events HTTP/1.1\r\nHost: x\r\nBad Header Line\r\nContent-Length: 2\r\n\r\n{}"
    if kind == "stalled_body":
        head = raw_post(url, "", bad).split(b"Content-Length: 0", 1)
        return head[0] + b"Content-Length: 4000" + head[1] + b"x" * 100
    if kind == "stalled_headers":
        return raw_post(url, "text=x", bad)[:60]
    raise ValueError(kind)


_forged: dict[tuple[str, int], bytes] = {}


def forged_now(kind: str, host: str, port: int, big_body: int) -> bytes:
    """forged_bytes, made once a second per kind (the flooder must cost little)."""
    key = (kind, int(time.time()))
    if key not in _forged:
        if len(_forged) > 50:
            _forged.clear()
        _forged[key] = forged_bytes(kind, host, port, big_body)
    return _forged[key]


async def forge(kind: str, host: str, port: int, big_body: int, results: dict[str, Any]) -> None:
    raw = forged_now(kind, host, port, big_body)
    started = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        results["connect_failed"] += 1
        return
    try:
        writer.write(raw)
        if kind.startswith("stalled"):
            # hold the connection until the bot hangs up (EOF), STALL_CAP seconds at most
            try:
                async with asyncio.timeout(STALL_CAP):
                    while await reader.read(4096):
                        pass
            except TimeoutError:
                results["stalled_never_closed"] += 1
            except OSError:
                pass
            results["stalled_held"].append(time.monotonic() - started)
            return
        async with asyncio.timeout(10):
            line = await reader.readline()  # the answer may come before the body is all sent
        status = int(line.split()[1]) if line.startswith(b"HTTP/") else 0
        results["status"][str(status)] = results["status"].get(str(status), 0) + 1
    except (OSError, TimeoutError, ValueError, IndexError):
        results["status"]["reset"] = results["status"].get("reset", 0) + 1
    finally:
        writer.transport.abort()


async def flood(
    host: str, port: int, rate: float, seconds: float, seed: int, big_body: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    kinds = forged_kinds(host, port)
    names, weights = [k for k, _ in kinds], [w for _, w in kinds]
    results: dict[str, Any] = {"status": {}, "stalled_held": [], "stalled_never_closed": 0, "connect_failed": 0,
                               "sent": 0}  # fmt: skip
    tasks: set[asyncio.Task[None]] = set()
    start = time.monotonic()
    until = start + seconds
    n = 0
    while (now := time.monotonic()) < until:
        due = int((now - start) * rate)
        while n < due and len(tasks) < 4000:
            kind = rng.choices(names, weights)[0]
            task = asyncio.create_task(forge(kind, host, port, big_body, results))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
        await asyncio.sleep(0.002)
    results["sent"] = n
    results["seconds"] = time.monotonic() - start
    if tasks:
        await asyncio.wait(tasks, timeout=STALL_CAP + 5)
    for task in tasks:
        task.cancel()
    return results


def run_flooder(args: argparse.Namespace) -> None:
    result = asyncio.run(flood("127.0.0.1", args.port, args.flood_rate, args.flood, args.seed, args.big_body))
    print(json.dumps(result), flush=True)


# --- real commands ------------------------------------------------------------------------------------


async def legit(host: str, port: int, slack_url: str, rate: float, seconds: float, phase: str,
                out: list[dict[str, Any]]) -> None:  # fmt: skip
    url = f"http://{host}:{port}/slack/events"

    async def one(name: str) -> None:
        body = command(slack_url, name)
        raw = raw_post(url, body, signed(body))
        record: dict[str, Any] = {"name": name, "phase": phase, "sent": time.time(), "ack": None}
        out.append(record)
        started = time.monotonic()
        try:
            async with asyncio.timeout(30):
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(raw)
                line = await reader.readline()
                if b" 200 " in line:
                    record["ack"] = (time.monotonic() - started) * 1000
                writer.transport.abort()
        except (OSError, TimeoutError):
            pass

    tasks = []
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(f"{phase}-{i}-{uuid.uuid4().hex[:6]}")))
    await asyncio.gather(*tasks)


async def answers(slack_url: str) -> dict[str, float]:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(f"{slack_url}/_responses") as response:
        return {r["name"]: r["at"] for r in await response.json()}


async def drive(args: argparse.Namespace, port: int, pid: int, slack_url: str) -> dict[str, Any]:
    samples: list[tuple[float, str, float, int]] = []  # (time, phase, rss, fds)
    phase = "calm"
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            rss, _, fds = memory(pid)
            samples.append((time.monotonic(), phase, rss, fds))
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    commands: list[dict[str, Any]] = []
    # warm up: one command answered (paper cache filled), then the calm phase
    await legit("127.0.0.1", port, slack_url, 2, 1, "warm", commands)
    await asyncio.sleep(1)
    await legit("127.0.0.1", port, slack_url, args.legit_rate, args.calm, "calm", commands)
    rss_calm = memory(pid)[0]
    phase = "flood"
    cpu_before, load_before = cpu_seconds(pid), os.getloadavg()[0]
    flooders = start_flooders(args, port)
    await legit("127.0.0.1", port, slack_url, args.legit_rate, args.flood, "flood", commands)
    cpu_flood, load_flood = cpu_seconds(pid) - cpu_before, os.getloadavg()[0]
    loop = asyncio.get_running_loop()
    outputs = [await loop.run_in_executor(None, p.communicate) for p in flooders]
    phase = "after"
    await legit("127.0.0.1", port, slack_url, args.legit_rate, args.after, "after", commands)
    await asyncio.sleep(3)
    stop.set()
    await sampler
    rss_after = memory(pid)[0]
    arrived = await answers(slack_url)
    for record in commands:
        at = arrived.get(record["name"])
        record["answer"] = (at - record["sent"]) * 1000 if at else None
    forged = [json.loads(out) for out, _ in outputs if out.strip()]
    return {"commands": commands, "samples": samples, "forged": forged, "rss_calm": rss_calm,
            "rss_after": rss_after, "cpu_flood": cpu_flood, "load": (load_before, load_flood)}  # fmt: skip


def start_flooders(args: argparse.Namespace, port: int) -> list[subprocess.Popen[str]]:
    rate = str(args.flood_rate / args.flooders)
    return [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--flooder",
                "--port",
                str(port),
                "--flood-rate",
                rate,
                "--flood",
                str(args.flood),
                "--seed",
                str(args.seed + i),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i in range(args.flooders)
    ]


def log_filter_cost() -> tuple[float, float]:
    """Microseconds RedactSecrets takes on a 1 KB and on a 1 MB line (4 secrets configured)."""
    from bot.observability.logs import RedactSecrets

    secrets = ["xoxb-1234567890-abcdefghij", "xapp-1-A111-222-abcdef", "8f742231b10e8888abcd99yyyzzz85a5",
               "hf_abcdefghijklmnopqrstuvwxyz"]  # fmt: skip
    out = []
    for size in (1000, 1_000_000):
        text = ("text=" + "a" * size)[:size]
        rounds = 200 if size < 10_000 else 10
        started = time.perf_counter()
        for _ in range(rounds):
            record = logging.LogRecord("x", logging.INFO, __file__, 1, "body: %s", (text,), None)
            RedactSecrets(secrets).filter(record)
            record.getMessage()
        out.append((time.perf_counter() - started) / rounds * 1e6)
    return out[0], out[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flood-rate", type=float, default=1000)
    parser.add_argument("--flood", type=float, default=30, help="seconds of flood")
    parser.add_argument("--calm", type=float, default=5)
    parser.add_argument("--after", type=float, default=10)
    parser.add_argument("--legit-rate", type=float, default=5)
    parser.add_argument("--flooders", type=int, default=2, help="processes sending the forged requests")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--big-body", type=int, default=1_000_000, help="bytes of the large forged bodies")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="checkout the bot runs from")
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # the bot: path of its log file
    parser.add_argument("--flooder", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--filter-cost", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        from adapters.slack import cli

        run = getattr(cli, "run_loop", asyncio.run)  # the event loop `papers-bot slack` runs on
        with open(args.serve, "a", buffering=1, encoding="utf-8") as log:
            run(serve_bot(log))
        return
    if args.flooder:
        run_flooder(args)
        return
    if args.filter_cost:
        print(json.dumps(log_filter_cost()), flush=True)
        return

    from bot.store.embedded import temporary_redis
    from tests.factories import api_item
    from tests.fakes.hf import FakeHF

    today = datetime.now(UTC).date()
    log_file = Path(tempfile.mkdtemp(prefix="abuse-")) / "bot.log"
    with temporary_redis() as redis_url, FakeHF() as hf:
        for back in range(3):
            day = today - timedelta(days=back)
            hf.days[day.isoformat()] = [
                api_item(
                    f"25{back:02d}.{i:05d}", title=f"Paper {i}: diffusion agents", upvotes=300 - i, day=day
                )
                for i in range(50)
            ]
        fake = Process(["-m", "tests.fakes.slack_api"], dict(os.environ))
        slack_url = fake.first_line
        app_dir = str(args.app_dir.resolve())
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([app_dir, str(ROOT)]),
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": f"abuse{uuid.uuid4().hex[:6]}",
            "HF_ENDPOINT": hf.url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{slack_url}/api/",
            "LOG_LEVEL": "INFO",
        }
        env.pop("SLACK_APP_TOKEN", None)
        bot = Process(
            ["-c", _IN_APP_DIR, app_dir, str(Path(__file__).resolve()), "--serve", str(log_file)], env
        )
        try:
            _, port, served_from = bot.first_line.split()
            if Path(served_from).resolve() != Path(app_dir, "adapters").resolve():
                raise RuntimeError(f"the bot runs from {served_from}, not {app_dir}")
            result = asyncio.run(drive(args, int(port), bot.popen.pid, slack_url))
        finally:
            bot.close()
            fake.close()
        cost = Process(["-c", _IN_APP_DIR, app_dir, str(Path(__file__).resolve()), "--filter-cost"], env)
        result["filter_cost"] = json.loads(cost.first_line)
        cost.close()
    report(args, result, log_file)


# This file run with --app-dir's packages first on sys.path (before the editable install of this
# checkout): python -c _IN_APP_DIR APP_DIR THIS_FILE ARGS...
_IN_APP_DIR = "import sys, runpy; sys.path.insert(0, sys.argv.pop(1)); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"


def report(args: argparse.Namespace, result: dict[str, Any], log_file: Path) -> None:
    flood_commands = [c for c in result["commands"] if c["phase"] == "flood"]
    acks = [c["ack"] for c in flood_commands if c["ack"] is not None]
    answered = [c["answer"] for c in flood_commands if c["answer"] is not None]
    n = len(flood_commands)
    extra = {"commands": n, "flood_rate": args.flood_rate, "big_body": args.big_body}
    if acks:
        emit("abuse_legit_ack_p50_ms", statistics.median(acks), **extra)
        emit("abuse_legit_ack_p99_ms", percentile(acks, 99), **extra)
    emit("abuse_legit_acked_within_3s", sum(a <= 3000 for a in acks) / n, "share", target=1.0)
    if answered:
        emit("abuse_legit_answer_p50_ms", statistics.median(answered), **extra)
        emit("abuse_legit_answer_p99_ms", percentile(answered, 99), **extra)
    emit("abuse_legit_answered_within_3s", sum(a <= 3000 for a in answered) / n, "share", target=1.0)
    emit("abuse_legit_unanswered", n - len(answered), "commands")
    others = [c for c in result["commands"] if c["phase"] in ("calm", "after")]
    emit(
        "abuse_legit_calm_and_after_answered",
        sum(c["answer"] is not None for c in others) / len(others),
        "share",
    )
    forged = result["forged"]
    sent = sum(f["sent"] for f in forged)
    seconds = max(f["seconds"] for f in forged)
    statuses: dict[str, int] = {}
    for f in forged:
        for status, count in f["status"].items():
            statuses[status] = statuses.get(status, 0) + count
    emit("abuse_forged_per_s", sent / seconds, "req/s", sent=sent, statuses=statuses)
    emit("abuse_bot_cpu_per_forged_us", result["cpu_flood"] / sent * 1e6, "us", cores_used=round(result["cpu_flood"] / args.flood, 2),
         machine_load=[round(x, 1) for x in result["load"]])  # fmt: skip
    emit("abuse_forged_5xx", sum(v for k, v in statuses.items() if k.startswith("5")), "requests")
    held = [h for f in forged for h in f["stalled_held"]]
    if held:
        never = sum(f["stalled_never_closed"] for f in forged)
        emit("abuse_stalled_held_max_s", max(held), "s", stalled=len(held), cap=STALL_CAP)
        emit("abuse_stalled_never_closed", never, "connections", note=f"still open after {STALL_CAP:g} s")
    samples = result["samples"]
    emit("abuse_rss_calm_mb", result["rss_calm"], "MB")
    emit("abuse_rss_peak_mb", max(s[2] for s in samples), "MB", target="< calm + 50")
    emit("abuse_rss_after_mb", result["rss_after"], "MB", target="calm")
    emit("abuse_fds_peak", max(s[3] for s in samples), "descriptors")
    text = log_file.read_bytes()
    emit("abuse_log_bytes", len(text), "bytes")
    emit(
        "abuse_log_lines",
        text.count(b"\n"),
        "lines",
        longest=max((len(x) for x in text.split(b"\n")), default=0),
    )
    small, big = result["filter_cost"]
    emit("abuse_log_filter_us_1kb", small, "us")
    emit("abuse_log_filter_us_1mb", big, "us")


if __name__ == "__main__":
    main()
