"""Background statistics: how common each term is among ML papers, for BM25's IDF.

A day has 2 to 120 papers, too few to say which words are rare, so the document frequencies come from
many papers: the table `background.json.gz` beside this module, generated from the shared archive of
real Daily Papers (`python -m bot.ranking.build_background`), blended with every paper this process
has ranked since it started (the lists the bot has cached) and that was listed after the archive's
last day (earlier ones are counted already), so vocabulary newer than the archive counts too. The
blend is a plain sum (N = archive papers + seen papers, df likewise); past
`LIVE_MAX_PAPERS` seen papers their counts are halved, so memory stays bounded and recent papers
weigh more.

The table also holds the association thesaurus built from the archive's co-occurrences
(`associations`; see `bot.ranking.build_background`); it is not blended with the papers seen.

`version` changes whenever the blend does, so cached results computed with older IDFs are not reused.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Final

from bot.ranking.tuning import FIELDS, LIVE_MAX_PAPERS

TABLE: Final = Path(__file__).with_name("background.json.gz")


class Background:
    """Document frequencies (archive + papers seen) and the archive's average field lengths."""

    def __init__(
        self,
        papers: int,
        df: dict[str, int],
        average_lengths: tuple[float, ...],
        associations: dict[str, list[list[str | float]]] | None = None,
        last_day: date | None = None,
    ) -> None:
        self.archive_papers = papers
        self.archive_df = df
        self.average_lengths = average_lengths  # in terms, per field of FIELDS
        self.thesaurus = associations or {}
        self.last_day = last_day  # the archive's last list day: papers listed later are blended in
        self.live_df: Counter[str] = Counter()
        self.live_papers = 0.0
        self.seen: dict[str, None] = {}  # ids of the papers counted in live_df, oldest first
        self.version = 0

    @classmethod
    def load(cls, path: Path = TABLE) -> Background:
        """Read the shipped table; raises FileNotFoundError naming the script that makes it."""
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                doc = json.load(f)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{path} is missing: run python -m bot.ranking.build_background"
            ) from None
        lengths = tuple(float(doc["average_lengths"][name]) for name in FIELDS)
        last_day = date.fromisoformat(doc["last_day"]) if doc.get("last_day") else None
        return cls(int(doc["papers"]), doc["df"], lengths, doc.get("associations"), last_day)

    @property
    def papers(self) -> float:
        """N: the number of papers the document frequencies are counted over."""
        return self.archive_papers + self.live_papers

    def df(self, term: str) -> float:
        """In how many of the `papers` the term occurs (any field)."""
        return self.archive_df.get(term, 0) + self.live_df.get(term, 0)

    def idf(self, term: str) -> float:
        """BM25's IDF, ln(1 + (N - df + 0.5) / (df + 0.5)) (the non-negative form used by Lucene;
        Robertson & Zaragoza 2009, eq. 3.3 plus one inside the log): about 9.3 for a term no paper has,
        2.2 for "diffusion", 0.01 for "the"."""
        df = self.df(term)
        return math.log1p((self.papers - df + 0.5) / (df + 0.5))

    def phrase_idf(self, toks: Iterable[str]) -> float:
        """IDF of a phrase, estimated as that of its rarest term (a phrase is at least as rare as each
        of its terms; words typed together are usually correlated, so assuming independence and adding
        their IDFs would overrate it)."""
        return max(self.idf(t) for t in toks)

    def associations(self, term: str) -> list[tuple[str, float]]:
        """Terms b whose presence makes `term` likely, with c(term, b) in (0, 1], strongest first
        (the archive's co-occurrences; `bot.ranking.build_background`)."""
        return [(str(b), float(c)) for b, c in self.thesaurus.get(term, ())]

    def wants(self, paper_id: str, day: date) -> bool:
        """Whether `observe` would count this paper (listed after the archive, not counted yet)."""
        return paper_id not in self.seen and (self.last_day is None or day > self.last_day)

    def observe(self, papers: Iterable[tuple[str, date, frozenset[str]]]) -> None:
        """Count papers (id, list day, terms) into the blend: those not counted before and listed
        after the archive's last day."""
        added = False
        last_day = self.last_day
        for pid, day, found in papers:
            if pid in self.seen or (last_day is not None and day <= last_day):
                continue
            self.seen[pid] = None
            self.live_df.update(found)
            self.live_papers += 1
            added = True
            if len(self.seen) >= LIVE_MAX_PAPERS:
                self._halve()
        if added:
            self.version += 1

    def _halve(self) -> None:
        self.live_df = Counter({t: n / 2 for t, n in self.live_df.items() if n >= 1})
        self.live_papers /= 2
        keep = list(self.seen)[len(self.seen) // 2 :]
        self.seen = dict.fromkeys(keep)

    def reset(self) -> None:
        """Forget every seen paper: back to the archive's statistics alone (tests, benchmarks)."""
        self.live_df.clear()
        self.live_papers = 0.0
        self.seen.clear()
        self.version += 1


@cache
def background() -> Background:
    """The process-wide background statistics, loaded on first use."""
    return Background.load()
