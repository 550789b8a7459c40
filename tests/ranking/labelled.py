"""The hand-written labelled papers (labelled_papers.json) as Papers, for tests and bench/topic_quality.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.papers import Paper

LABELLED_FILE = Path(__file__).with_name("labelled_papers.json")


@dataclass(frozen=True)
class LabelledSet:
    now: datetime
    topics: dict[str, str]  # topic name -> the query a user would type
    papers: list[Paper]
    labels: dict[str, frozenset[str]]  # paper id -> topic names it is relevant to

    def relevant(self, topic: str) -> set[str]:
        return {pid for pid, names in self.labels.items() if topic in names}


def load_labelled(path: Path = LABELLED_FILE) -> LabelledSet:
    doc = json.loads(path.read_text())
    day = date.fromisoformat(doc["list_day"])
    start = datetime.combine(day, time.min, UTC)
    papers, labels = [], {}
    for item in doc["papers"]:
        papers.append(
            Paper(
                id=item["id"],
                title=item["title"],
                abstract=item["abstract"],
                authors=("A. Author",),
                upvotes=item["upvotes"],
                comments=item.get("comments", 0),
                list_day=day,
                submitted_at=start + timedelta(hours=item["submitted_hour"]),
                github_stars=item.get("github_stars"),
                ai_summary=item.get("ai_summary"),
                ai_keywords=tuple(item.get("ai_keywords") or ()),
            )
        )
        labels[item["id"]] = frozenset(item["labels"])
    return LabelledSet(datetime.fromisoformat(doc["now"]), dict(doc["topics"]), papers, labels)


def precision_at(k: int, ranked_ids: list[str], relevant: set[str]) -> float:
    """Relevant papers among the first k, over min(k, number of relevant papers): 1.0 is reachable."""
    if not relevant:
        return 1.0
    return sum(1 for pid in ranked_ids[:k] if pid in relevant) / min(k, len(relevant))
