"""Topic matching quality on the labelled set (bench/labels/): papers-bot against a plain BM25 baseline.

    python bench/topic_quality.py                      # papers-bot and the BM25 baselines
    python bench/topic_quality.py --methods papers-bot # only the bot (also runs on older commits: it
                                                       # uses only bot.ranking's public API)

Corpus: the 510 papers listed in October 2025 (`tests/ranking/labelled.py`, from the shared archive; skipped
with a message when the archive is absent). Relevance: `bench/labels/judgments.jsonl`; a paper never
judged for a topic counts as not relevant (see bench/labels/README.md).

Methods, each giving a returned set and an order:

* ``papers-bot``: `rank(papers, [TopicQuery.parse(query)])`: the returned set is the match decision,
  the order is the bot's (relevance and popularity), exactly what a channel following the topic sees.
* ``bm25-top10`` and ``bm25-threshold``: the plain BM25 baseline: bm25s with its defaults (k1 = 1.5,
  b = 0.75, IDF from these 510 papers), Snowball English stemmer (PyStemmer) and English stop words, over
  title + abstract, queried with the same text; the order is BM25's. ``bm25-top10`` returns its top 10;
  ``bm25-threshold`` returns the papers whose BM25 score reaches one fixed score, the one that gives
  this baseline its best mean F1 on this very set (so it is optimistic: tuned on what it is tested on).

Figures, per topic and their mean over topics, one JSON line each
(``{"metric", "method", "topic", "value", "unit"}``):
precision_at_10 (relevant among the first 10 of the order, over min(10, relevant papers)), recall and f1
of the returned set, returned (papers), and unjudged_returned (returned papers no judge saw: counted as
not relevant, so a method that finds papers the pool missed is under-rated by that many at most).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.papers import Paper  # noqa: E402
from bot.ranking import TopicQuery, rank  # noqa: E402
from tests.ranking.labelled import ARCHIVE, corpus  # noqa: E402  (the labelled set's papers)

LABELS = ROOT / "bench" / "labels"
NOW = datetime(2025, 11, 3, 12, tzinfo=UTC)  # after the month: every paper has had its upvotes
METHODS = ("papers-bot", "bm25-top10", "bm25-threshold")


def load_topics() -> dict[str, str]:
    """topic name -> the query a user would type."""
    spec = json.loads((LABELS / "topics.json").read_text())["topics"]
    return {topic: s["query"] for topic, s in spec.items()}


def load_judgments() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(topic -> relevant ids, topic -> judged ids)."""
    relevant: dict[str, set[str]] = {}
    judged: dict[str, set[str]] = {}
    with open(LABELS / "judgments.jsonl", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            judged.setdefault(row["topic"], set()).add(row["id"])
            if row["relevant"]:
                relevant.setdefault(row["topic"], set()).add(row["id"])
    return relevant, judged


def precision_at(k: int, order: list[str], relevant: set[str]) -> float:
    """Relevant papers among the first k, over min(k, number of relevant papers): 1.0 is reachable."""
    if not relevant:
        return 1.0
    return sum(1 for pid in order[:k] if pid in relevant) / min(k, len(relevant))


def set_figures(returned: list[str], relevant: set[str]) -> tuple[float, float]:
    """(recall, F1) of a returned set."""
    hits = len(set(returned) & relevant)
    precision = hits / len(returned) if returned else 0.0
    recall = hits / len(relevant) if relevant else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return recall, f1


def bot_run(papers: list[Paper], topics: dict[str, str]) -> dict[str, tuple[list[str], list[str]]]:
    """topic -> (returned ids, order): the bot's ranking of the topic."""
    out = {}
    for topic, query in topics.items():
        ids = [r.paper.id for r in rank(papers, [TopicQuery.parse(query)], now=NOW)]
        out[topic] = (ids, ids)
    return out


def bm25_scores(papers: list[Paper], topics: dict[str, str]) -> dict[str, list[tuple[str, float]]]:
    """topic -> [(id, BM25 score)], best first: the untuned baseline (see the module docstring)."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    texts = [f"{p.title} {p.abstract}" for p in papers]
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False
    )
    out = {}
    for topic, query in topics.items():
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, show_progress=False)
        docs, scores = retriever.retrieve(tokens, k=len(papers), show_progress=False)
        out[topic] = [(papers[int(d)].id, float(s)) for d, s in zip(docs[0], scores[0], strict=True)]
    return out


def bm25_runs(
    scores: dict[str, list[tuple[str, float]]], relevant: dict[str, set[str]]
) -> dict[str, dict[str, tuple[list[str], list[str]]]]:
    """The two baseline decisions: its top 10, and its best single score threshold."""
    order = {t: [pid for pid, s in rows if s > 0] for t, rows in scores.items()}
    top10 = {t: (ids[:10], ids) for t, ids in order.items()}
    candidates = sorted({round(s, 2) for rows in scores.values() for _, s in rows if s > 0})

    def mean_f1(cut: float) -> float:
        return statistics.fmean(
            set_figures([pid for pid, s in rows if s >= cut], relevant.get(t, set()))[1]
            for t, rows in scores.items()
        )

    best = max(candidates, key=mean_f1)
    thresholded = {t: ([pid for pid, s in rows if s >= best], order[t]) for t, rows in scores.items()}
    return {"bm25-top10": top10, "bm25-threshold": thresholded}


def report(
    method: str,
    runs: dict[str, tuple[list[str], list[str]]],
    relevant: dict[str, set[str]],
    judged: dict[str, set[str]],
    emit: Callable[[dict], None],
) -> None:
    """One JSON line per figure and topic, then the means over topics."""
    per_topic: dict[str, list[float]] = {}
    for topic, (returned, order) in runs.items():
        rel = relevant.get(topic, set())
        recall, f1 = set_figures(returned, rel)
        figures = {
            "precision_at_10": precision_at(10, order, rel),
            "recall": recall,
            "f1": f1,
            "returned": float(len(returned)),
            "unjudged_returned": float(len(set(returned) - judged.get(topic, set()))),
        }
        for metric, value in figures.items():
            per_topic.setdefault(metric, []).append(value)
            emit(
                {
                    "metric": metric,
                    "method": method,
                    "topic": topic,
                    "value": round(value, 3),
                    "unit": _unit(metric),
                }
            )
    for metric, values in per_topic.items():
        mean = statistics.fmean(values)
        emit(
            {
                "metric": metric,
                "method": method,
                "topic": "mean",
                "value": round(mean, 3),
                "unit": _unit(metric),
            }
        )


def _unit(metric: str) -> str:
    return "papers" if metric in ("returned", "unjudged_returned") else "ratio"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--methods", default=",".join(METHODS), help=f"comma-separated, of {', '.join(METHODS)}"
    )
    args = parser.parse_args()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if not ARCHIVE.exists():
        print(json.dumps({"skipped": f"{ARCHIVE} is absent"}))
        return
    papers = corpus()
    topics = load_topics()
    relevant, judged = load_judgments()

    def emit(line: dict) -> None:
        print(json.dumps(line), flush=True)

    if "papers-bot" in methods:
        report("papers-bot", bot_run(papers, topics), relevant, judged, emit)
    if any(m.startswith("bm25") for m in methods):
        for method, runs in bm25_runs(bm25_scores(papers, topics), relevant).items():
            if method in methods:
                report(method, runs, relevant, judged, emit)


if __name__ == "__main__":
    main()
