"""The labelled topic set of bench/labels (see its README) as Papers and relevance sets, for tests.

The papers come from the shared archive (../shared/hf-daily), which a fresh clone does not have:
`load_labelled` returns None then and the tests skip.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.papers import Paper
from bot.source.hf_parse import parse_items

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "bench" / "labels"
ARCHIVE = ROOT.parent / "shared" / "hf-daily" / "archive-2024-2025.jsonl.gz"
FIRST_DAY, LAST_DAY = date(2025, 10, 1), date(2025, 10, 31)


@dataclass(frozen=True)
class LabelledSet:
    papers: list[Paper]
    queries: dict[str, str]  # topic -> the query a user would type
    relevant: dict[str, frozenset[str]]  # topic -> ids judged relevant (unjudged = not relevant)


def corpus() -> list[Paper]:
    """Every paper listed from FIRST_DAY to LAST_DAY, in archive order, one per arXiv id (the 510
    papers the labelled set judges). Raises FileNotFoundError without the shared archive."""
    seen: dict[str, Paper] = {}
    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            day = date.fromisoformat(doc["date"])
            if FIRST_DAY <= day <= LAST_DAY:
                for p in parse_items(doc["items"], day):
                    seen.setdefault(p.id, p)
    return list(seen.values())


def load_labelled() -> LabelledSet | None:
    """October 2025's papers of the archive with the judgments, or None without the archive."""
    if not ARCHIVE.exists():
        return None
    seen = {p.id: p for p in corpus()}
    topics = json.loads((LABELS / "topics.json").read_text())["topics"]
    relevant: dict[str, set[str]] = {t: set() for t in topics}
    for line in (LABELS / "judgments.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["relevant"]:
            relevant[row["topic"]].add(row["id"])
    return LabelledSet(
        list(seen.values()),
        {t: spec["query"] for t, spec in topics.items()},
        {t: frozenset(ids) for t, ids in relevant.items()},
    )


def precision_at(k: int, ranked_ids: list[str], relevant: set[str] | frozenset[str]) -> float:
    """Relevant papers among the first k, over min(k, number of relevant papers): 1.0 is reachable."""
    if not relevant:
        return 1.0
    return sum(1 for pid in ranked_ids[:k] if pid in relevant) / min(k, len(relevant))


def f1(returned: list[str], relevant: set[str] | frozenset[str]) -> float:
    """F1 of a returned set."""
    hits = len(set(returned) & relevant)
    if not hits:
        return 0.0
    precision, recall = hits / len(returned), hits / len(relevant)
    return 2 * precision * recall / (precision + recall)
