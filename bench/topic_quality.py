"""Topic matching quality on the hand-labelled papers: precision@10 per topic and the mean.

    python bench/topic_quality.py            # one JSON line per topic, then the mean
    python bench/topic_quality.py --timing   # also cold/warm timings of matching 10 topics + ranking 1,000 papers

precision@10 = relevant papers among the top 10 of `rank(papers, [topic])`, divided by
min(10, number of papers labelled relevant to that topic).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.papers import Paper
from bot.ranking import TopicQuery, rank
from bot.ranking.score import clear_score_cache
from bot.ranking.topics import clear_index_cache
from bot.source.hf_parse import parse_items
from tests.ranking.labelled import load_labelled, precision_at

TIMING_TOPICS = (
    "diffusion",
    "efficient inference",
    "LLM agents",
    "speech OR audio",
    "robotics -simulation",
    '"reinforcement learning" OR RLHF',
    "3D",
    "retrieval augmented generation OR RAG",
    "video generation",
    '"text-to-image"',
)


def quality() -> None:
    data = load_labelled()
    values = []
    for topic, query in data.topics.items():
        ranked = rank(data.papers, [TopicQuery.parse(query)], now=data.now)
        value = precision_at(10, [r.paper.id for r in ranked], data.relevant(topic))
        values.append(value)
        print(
            json.dumps(
                {"metric": "precision_at_10", "topic": topic, "value": round(value, 3), "unit": "ratio"}
            )
        )
    mean = statistics.fmean(values)
    print(
        json.dumps({"metric": "precision_at_10", "topic": "mean", "value": round(mean, 3), "unit": "ratio"})
    )


def thousand_papers(base: list[Paper]) -> list[Paper]:
    """1,000 distinct papers: `base` repeated with varied ids, titles (so each has its own index) and upvotes."""
    papers = []
    for i in range(1000):
        p = base[i % len(base)]
        papers.append(
            replace(p, id=f"2512.{i:05d}", title=f"{p.title} ({i})", upvotes=(p.upvotes * 7 + i) % 250)
        )
    return papers


def real_papers() -> list[Paper]:
    """The real Daily Papers days in ../shared/hf-daily (empty when absent)."""
    folder = Path(__file__).resolve().parents[2] / "shared" / "hf-daily"
    papers: list[Paper] = []
    for path in sorted(folder.glob("*.json")):
        papers.extend(parse_items(json.loads(path.read_text()), date.fromisoformat(path.stem)))
    return papers


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _recased(texts: tuple[str, ...], seed: int) -> list[TopicQuery]:
    """The same topics with a different casing: equal meaning, but never seen by the per-paper memos."""
    rng = random.Random(seed)
    return [
        TopicQuery.parse("".join(c.upper() if rng.random() < 0.5 else c.lower() for c in t)) for t in texts
    ]


def timing(repeat: int = 21) -> None:
    """Three states, median and min of `repeat` runs (5 for cold):

    cold        every cache cleared: indexes built inside the timing
    new_topics  paper indexes warm; topic texts never seen before and score caches cleared, so every
                (paper, topic) match and every score part is computed (a new channel's topic set)
    repeat      the same call again (the daily fan-out: one list, many channels sharing topics)
    """
    now = load_labelled().now
    batches = {"labelled": thousand_papers(load_labelled().papers)}
    if real := real_papers():
        batches["real"] = thousand_papers(real)
    seeds = iter(range(1_000_000))
    for batch, papers in batches.items():
        for label, texts in (("10_topics", TIMING_TOPICS), ("no_topics", ())):

            def run(ts: list[TopicQuery], papers=papers) -> float:
                return _ms(lambda: rank(papers, ts, now=now))

            def fresh(texts=texts) -> list[TopicQuery]:
                return _recased(texts, next(seeds))

            cold = []
            for _ in range(5):
                clear_index_cache()
                clear_score_cache()
                cold.append(run(fresh()))
            new_topics = []
            for _ in range(repeat):
                clear_score_cache()
                new_topics.append(run(fresh()))
            same = fresh()
            run(same)
            again = [run(same) for _ in range(repeat)]
            ranked = len(rank(papers, same, now=now))
            for state, values in (("cold", cold), ("new_topics", new_topics), ("repeat", again)):
                line = {
                    "metric": f"rank_1000_{label}_{state}_ms",
                    "papers": batch,
                    "median": round(statistics.median(values), 2),
                    "min": round(min(values), 2),
                    "unit": "ms",
                    "ranked": ranked,
                }
                print(json.dumps(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timing", action="store_true", help="also time matching + ranking 1,000 papers")
    args = parser.parse_args()
    quality()
    if args.timing:
        timing()


if __name__ == "__main__":
    main()
