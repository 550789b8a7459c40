"""Calibrate the match decision on the labelled set, leaving each topic out in turn.

    python bench/calibrate.py

For every combination of the grid below (`bot.ranking.tuning` names) and every threshold, computes the
F1 of the returned set per topic (as bench/topic_quality.py does). Then, for each topic, picks the
combination with the best mean F1 over the *other* topics and reports that topic's F1 under it: the
mean of those is what to expect on topics the set does not have. Finally the combination that is best
over all topics (the one `tuning` should hold). One JSON line per figure.

The grid is deliberately small (a few values of each constant, none tuned per topic) so that twelve
topics can calibrate it; b keeps its standard values (see `tuning`). About five minutes.
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from topic_quality import ARCHIVE, corpus, load_judgments, load_topics, set_figures  # noqa: E402

from bot.ranking import TopicQuery, relevance, tuning  # noqa: E402
from bot.ranking.index import clear_index_cache, paper_index  # noqa: E402

GRID = {
    "IDF_POWER": (1.0, 2.0, 3.0),
    "P_NORM": (1.0, 2.0),
    "EXPANSION_WEIGHT": (0.0, 1.0),
    "K1": (1.2, 2.0),
    "FIELD_WEIGHTS": ((3.0, 2.0, 1.0, 1.0), (3.0, 1.0, 1.0, 1.0)),
}
THRESHOLDS = tuple(round(0.40 + 0.05 * i, 2) for i in range(9))  # 0.40 .. 0.80


def relevances(papers, topics: dict[str, str]) -> dict[str, list[float]]:
    """topic -> each paper's relevance under the current `tuning` (no threshold, no pre-filter)."""
    relevance._COMPILED.clear()
    clear_index_cache()  # K1 and the field weights are applied when a paper is indexed
    indexes = [paper_index(p) for p in papers]
    out = {}
    for topic, query in topics.items():
        compiled = relevance.compiled(TopicQuery.parse(query))
        out[topic] = [
            max((s[0] for side in compiled.sides if (s := side.score(idx)) is not None), default=0.0)
            for idx in indexes
        ]
    return out


def main() -> None:
    if not ARCHIVE.exists():
        print(json.dumps({"skipped": f"{ARCHIVE} is absent"}))
        return
    papers = corpus()
    ids = [p.id for p in papers]
    topics = load_topics()
    relevant, _ = load_judgments()
    f1: dict[tuple, dict[str, float]] = {}  # (settings..., threshold) -> topic -> F1
    for values in itertools.product(*GRID.values()):
        for name, value in zip(GRID, values, strict=True):
            setattr(tuning, name, value)
        scores = relevances(papers, topics)
        for threshold in THRESHOLDS:
            f1[(*values, threshold)] = {
                t: set_figures(
                    [i for i, r in zip(ids, scores[t], strict=True) if r >= threshold], relevant[t]
                )[1]
                for t in topics
            }
    names = [*GRID, "MATCH_THRESHOLD"]
    held_out = []
    for topic in topics:
        others = [t for t in topics if t != topic]
        best = max(f1, key=lambda k: statistics.fmean(f1[k][t] for t in others))
        held_out.append(f1[best][topic])
        print(
            json.dumps(
                {
                    "metric": "f1_left_out",
                    "topic": topic,
                    "value": round(f1[best][topic], 3),
                    "chosen": dict(zip(names, best, strict=True)),
                }
            )
        )
    print(
        json.dumps({"metric": "f1_left_out", "topic": "mean", "value": round(statistics.fmean(held_out), 3)})
    )
    best = max(f1, key=lambda k: statistics.fmean(f1[k].values()))
    print(
        json.dumps(
            {
                "metric": "f1_all_topics",
                "topic": "mean",
                "value": round(statistics.fmean(f1[best].values()), 3),
                "chosen": dict(zip(names, best, strict=True)),
            }
        )
    )


if __name__ == "__main__":
    main()
