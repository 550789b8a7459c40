"""Pool the candidates of the labelled topic set from several retrieval methods (TREC-style pooling).

    python bench/labels/pool.py --out DIR     # one DIR/<topic>.md per topic for the judges, shuffled

The corpus is every paper of the shared archive listed in October 2025 (consecutive list days, 510
papers; `../shared/hf-daily/archive-2024-2025.jsonl.gz`). For each topic of `topics.json` the pool is
the union of:

* `bm25-query`: plain BM25 (bm25s, Snowball English stemmer, English stop words) over title and
  abstract with the query a user would type, top 60;
* `bm25-description`: the same index queried with the topic's written description, top 60;
* `bm25-ai`: BM25 over the HF AI keywords and AI summary with the query, top 40;
* for the topics in `DEEP_TOPICS` (more than half of the first round judged relevant), every BM25
  method again at depth 100, judged in a second round;
* `matcher`: every paper the bot's matcher returned for the query when the set was built (commit
  38bb6a3), recorded in `pool.json` (the matcher has since been replaced, so it is not rerun here).

Only candidates not yet in `judgments.jsonl` are written out for the judges. The judges see each candidate's title and abstract in a shuffled order, never the method that found
it. `pool.json` records which methods found each candidate; `judgments.jsonl` holds the verdicts.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import bm25s
import Stemmer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.papers import Paper  # noqa: E402
from tests.ranking.labelled import FIRST_DAY, LAST_DAY, corpus  # noqa: E402

HERE = Path(__file__).resolve().parent
DEPTH = {"bm25-query": 60, "bm25-description": 60, "bm25-ai": 40}
# Second round: the topics where more than half of the first round's candidates were judged relevant
# (so the pool was likely missing relevant papers) were pooled again with every BM25 method at depth 100.
DEEP_TOPICS = (
    "diffusion models",
    "LLM agents",
    "reinforcement learning for reasoning",
    "vision language models",
)
DEEP = 100


def slug(topic: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")


def _top(texts: list[str], query: str, k: int) -> list[int]:
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False
    )
    docs, scores = retriever.retrieve(
        bm25s.tokenize([query], stopwords="en", stemmer=stemmer, show_progress=False),
        k=k,
        show_progress=False,
    )
    return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def pool(
    papers: list[Paper], topics: dict[str, dict], matcher: dict[str, list[str]]
) -> dict[str, dict[str, list[str]]]:
    """topic -> paper id -> the methods that retrieved it."""
    main = [f"{p.title} {p.abstract}" for p in papers]
    ai = [" ".join((*p.ai_keywords, p.ai_summary or "")) for p in papers]
    result: dict[str, dict[str, list[str]]] = {}
    for topic, spec in topics.items():
        found: dict[str, list[str]] = {}
        depth = dict.fromkeys(DEPTH, DEEP) if topic in DEEP_TOPICS else DEPTH
        runs = {
            "bm25-query": _top(main, spec["query"], depth["bm25-query"]),
            "bm25-description": _top(
                main, spec["description"].split("Not relevant")[0], depth["bm25-description"]
            ),
            "bm25-ai": _top(ai, spec["query"], depth["bm25-ai"]),
        }
        for method, rows in runs.items():
            for row in rows:
                found.setdefault(papers[row].id, []).append(method)
        for pid in matcher.get(topic, []):
            found.setdefault(pid, []).append("matcher")
        result[topic] = found
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the judges' files")
    args = parser.parse_args()
    topics = json.loads((HERE / "topics.json").read_text())["topics"]
    papers = corpus()
    by_id = {p.id: p for p in papers}
    recorded = HERE / "pool.json"
    matcher = (
        {
            t: [pid for pid, m in c.items() if "matcher" in m]
            for t, c in json.loads(recorded.read_text())["pool"].items()
        }
        if recorded.exists()
        else {}
    )
    pools = pool(papers, topics, matcher)
    recorded.write_text(
        json.dumps({"corpus": f"{FIRST_DAY}..{LAST_DAY}", "papers": len(papers), "pool": pools}, indent=1)
        + "\n"
    )
    judged = set()
    if (HERE / "judgments.jsonl").exists():
        with (HERE / "judgments.jsonl").open() as lines:
            judged = {(row["topic"], row["id"]) for row in map(json.loads, lines)}
    args.out.mkdir(parents=True, exist_ok=True)
    for topic, found in pools.items():
        ids = sorted(pid for pid in found if (topic, pid) not in judged)
        if not ids:
            continue
        random.Random(slug(topic)).shuffle(ids)
        lines = [f"# Topic: {topic}\n", topics[topic]["description"], f"\n{len(ids)} candidates.\n"]
        for n, pid in enumerate(ids, 1):
            p = by_id[pid]
            lines.append(f"## {n}. {pid}\n**{p.title}**\n\n{p.abstract}\n")
        (args.out / f"{slug(topic)}.md").write_text("\n".join(lines))
        print(json.dumps({"topic": topic, "candidates": len(ids)}))


if __name__ == "__main__":
    main()
