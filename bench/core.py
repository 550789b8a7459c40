"""Core speed and memory figures, one JSON line each: {"metric", "value", "unit"}.

rank_render_1000_ms   median time to match 10 topics, rank and render (Slack) 1,000 papers,
                      with each paper's text index warm, as in production where one list serves
                      every channel (target <= 20 ms on a 2-core machine)
rank_render_1000_cold_ms  the same, first run on fresh papers (index built inside the timing)
parse_10k_peak_mb     peak memory to parse 10,000 papers arriving as 100-item API pages (target <= 100 MB)
digest_2000_topic_s   `papers-bot digest --from-file F --topic "diffusion models"` over 2,000 papers, the
                      whole command (start-up included) as an installed copy runs it (bytecode cached,
                      whatever PYTHONDONTWRITEBYTECODE says), best of 5 (target <= 1 s); the papers are
                      the first 2,000 of ../shared/hf-daily's archive, or synthetic ones without it
digest_2000_s         the same without a topic (start-up, reading and rendering alone), for comparison
"""

from __future__ import annotations

import gc
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.digest import build_digest
from bot.ranking import TopicQuery
from bot.render import render_slack
from bot.source.hf_parse import parse_items

DAY = date(2025, 10, 15)
_VOCABULARY = (
    "diffusion model language large efficient inference agent reasoning vision video speech audio robot "
    "policy reinforcement learning retrieval augmented generation benchmark dataset transformer attention "
    "quantization sparse mixture experts token training alignment preference reward multimodal 3d scene "
    "graph neural memory planning tool code math proof evaluation scaling distillation latent sampling"
)
WORDS = _VOCABULARY.split()
TOPICS = [
    "diffusion",
    '"efficient inference"',
    "agents -survey",
    "speech OR audio",
    "reinforcement learning",
    '"mixture of experts"',
    "3d scene",
    "retrieval augmented generation",
    "quantization",
    "video -diffusion",
]


def text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def api_item(rng: random.Random, i: int) -> dict:
    submitted = datetime.combine(DAY, datetime.min.time(), UTC) + timedelta(minutes=rng.randrange(1, 900))
    return {
        "paper": {
            "id": f"2510.{i:05d}",
            "authors": [
                {"_id": f"{i}-{a}", "name": f"Author {a} Name{i}", "hidden": False} for a in range(8)
            ],
            "publishedAt": "2025-10-14T14:41:16.000Z",
            "submittedOnDailyAt": submitted.isoformat().replace("+00:00", "Z"),
            "title": text(rng, 10),
            "summary": " ".join(text(rng, 18) for _ in range(12)),
            "upvotes": rng.randrange(0, 300),
            "ai_summary": text(rng, 30),
            "ai_keywords": [rng.choice(WORDS) for _ in range(8)],
            "githubRepo": f"https://github.com/org/repo{i}",
            "githubStars": rng.randrange(0, 5000),
        },
        "title": "x",
        "numComments": rng.randrange(0, 20),
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2510.{i:05d}.png",
    }


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 2), "unit": unit, **extra}))


def rank_render_ms(runs: int = 31) -> tuple[float, float]:
    rng = random.Random(1)
    papers = parse_items([api_item(rng, i) for i in range(1000)], DAY)
    topics = [TopicQuery.parse(t) for t in TOPICS]
    now = datetime.combine(DAY, datetime.min.time(), UTC) + timedelta(hours=20)

    def once() -> float:
        start = time.perf_counter()
        digest = build_digest(papers, day=DAY, top=1000, now=now, topics=topics)
        render_slack(digest)
        return (time.perf_counter() - start) * 1000

    gc.collect()
    cold = once()
    return statistics.median(once() for _ in range(runs)), cold


def parse_peak_mb(count: int = 10_000, page: int = 100) -> float:
    rng = random.Random(2)
    pages = [
        json.dumps([api_item(rng, i) for i in range(p, p + page)]).encode() for p in range(0, count, page)
    ]
    gc.collect()
    tracemalloc.start()
    papers = []
    for body in pages:
        papers.extend(parse_items(json.loads(body), DAY))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(papers) == count
    return peak / 1024 / 1024


ARCHIVE = Path(__file__).resolve().parents[2] / "shared" / "hf-daily" / "archive-2024-2025.jsonl.gz"


def two_thousand_items() -> list[dict]:
    """2,000 API items: the archive's first 2,000 distinct papers, else synthetic ones."""
    if not ARCHIVE.exists():
        rng = random.Random(3)
        return [api_item(rng, i) for i in range(2000)]
    items: dict[str, dict] = {}
    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as lines:
        for line in lines:
            for item in json.loads(line)["items"]:
                items.setdefault(item["paper"]["id"], item)
            if len(items) >= 2000:
                break
    return list(items.values())[:2000]


def digest_seconds(topic: str | None, runs: int = 5) -> float:
    """Best wall time of the `papers-bot digest --from-file` command over 2,000 papers."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "papers.json"
        path.write_text(json.dumps(two_thousand_items()))
        command = [sys.executable, "-m", "bot.cli", "digest", "--from-file", str(path)]
        if topic:
            command += ["--topic", topic]
        best = float("inf")
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
            best = min(best, time.perf_counter() - start)
        return best


def main() -> None:
    warm, cold = rank_render_ms()
    emit("rank_render_1000_ms", warm, "ms", target=20)
    emit("rank_render_1000_cold_ms", cold, "ms")
    emit("parse_10k_peak_mb", parse_peak_mb(), "MB", target=100)
    emit("digest_2000_topic_s", digest_seconds("diffusion models"), "s", target=1)
    emit("digest_2000_s", digest_seconds(None), "s")


if __name__ == "__main__":
    main()
