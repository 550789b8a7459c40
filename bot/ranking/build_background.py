"""Generate `background.json.gz`, the background statistics of `bot.ranking.background`.

    python -m bot.ranking.build_background [ARCHIVE]   # default: ../shared/hf-daily/archive-2024-2025.jsonl.gz

Reads the archive of real Daily Papers lists (one JSON line per day, items as the HF API returned
them), keeps each arXiv id once, analyses every paper's fields exactly as the bot does
(`bot.ranking.index`), and writes:

- the archive's last list day (papers listed later are blended in at run time), the number of
  papers, each term's document frequency (papers with the term in any field) and the
  average length of each field over the papers that have it (for BM25F);
- the association thesaurus (`bot.ranking.background.Background.associations`): for each term a with
  `ASSOCIATION_MIN_DF` papers or more, the terms b whose presence says most about a's,
  ``c(a, b) = (P(a | b) - P(a)) / (1 - P(a))`` with P(a | b) smoothed towards P(a) by
  `ASSOCIATION_SMOOTHING` papers; the `ASSOCIATIONS_KEPT` strongest with c >= `ASSOCIATION_KEPT_MIN`.

The output is deterministic (sorted keys, no timestamp), so regenerating it from the same archive
changes nothing. It takes about two minutes.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from datetime import date
from pathlib import Path

from bot.ranking.analysis import terms
from bot.ranking.background import TABLE
from bot.ranking.index import paper_fields
from bot.ranking.tuning import (
    ASSOCIATION_KEPT_MIN,
    ASSOCIATION_MIN_DF,
    ASSOCIATION_SMOOTHING,
    ASSOCIATIONS_KEPT,
    FIELDS,
)
from bot.source.hf_parse import parse_items

ARCHIVE = Path(__file__).resolve().parents[3] / "shared" / "hf-daily" / "archive-2024-2025.jsonl.gz"


def statistics(archive: Path) -> dict:
    """The table's content: {"source", "last_day", "papers", "average_lengths": {field: terms},
    "df": {term: papers}, "associations": {term: [[term, c], ...]}}."""
    seen: set[str] = set()
    last_day = date.min
    docs: list[set[str]] = []
    df: Counter[str] = Counter()
    totals = [0] * len(FIELDS)
    having = [0] * len(FIELDS)
    with gzip.open(archive, "rt", encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            day = date.fromisoformat(doc["date"])
            last_day = max(last_day, day)
            for paper in parse_items(doc["items"], day):
                if paper.id in seen:
                    continue
                seen.add(paper.id)
                found: set[str] = set()
                for f, texts in enumerate(paper_fields(paper)):
                    n = 0
                    for text in texts:
                        toks = terms(text)
                        found.update(toks)
                        n += len(toks)
                    if n:
                        totals[f] += n
                        having[f] += 1
                df.update(found)
                docs.append(found)
    return {
        "source": archive.name,
        "last_day": last_day.isoformat(),
        "papers": len(seen),
        "average_lengths": {name: round(totals[f] / max(1, having[f]), 2) for f, name in enumerate(FIELDS)},
        "df": dict(sorted(df.items())),
        "associations": associations(docs, df),
    }


def associations(docs: list[set[str]], df: Counter[str]) -> dict[str, list[list[str | float]]]:
    """term a -> [[b, c(a, b)], ...], strongest first (see the module docstring)."""
    vocabulary = sorted(t for t, n in df.items() if n >= ASSOCIATION_MIN_DF)
    number = {t: i for i, t in enumerate(vocabulary)}
    together: list[Counter[int]] = [Counter() for _ in vocabulary]  # i -> j -> papers with both
    for found in docs:
        ids = [number[t] for t in found if t in number]
        for i in ids:
            together[i].update(ids)  # Counter.update counts in C: the build takes seconds
    papers = len(docs)
    m = ASSOCIATION_SMOOTHING
    table: dict[str, list[list[str | float]]] = {}
    for a, i in number.items():
        pa = df[a] / papers
        if pa >= 1.0:
            continue
        scored = []
        for j, n in together[i].items():
            b = vocabulary[j]
            if j == i:
                continue
            c = ((n + m * pa) / (df[b] + m) - pa) / (1.0 - pa)
            if c >= ASSOCIATION_KEPT_MIN:
                scored.append((-round(c, 3), b))
        if scored:
            scored.sort()
            table[a] = [[b, -c] for c, b in scored[:ASSOCIATIONS_KEPT]]
    return table


def write(table: dict, path: Path = TABLE) -> None:
    """Write the table gzip-compressed with a fixed mtime (byte-identical for identical input)."""
    raw = json.dumps(table, ensure_ascii=False, separators=(",", ":")).encode()
    with open(path, "wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", nargs="?", type=Path, default=ARCHIVE)
    args = parser.parse_args()
    table = statistics(args.archive)
    write(table)
    print(json.dumps({"papers": table["papers"], "terms": len(table["df"]), **table["average_lengths"]}))


if __name__ == "__main__":
    main()
