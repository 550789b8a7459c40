"""The ranked paper pool of one daily pass.

The recent list days are read and merged once per pass, and each distinct topic set is ranked
once, so thousands of channels share a few rankings and their candidate ids are encoded once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.papers import Paper
from bot.ranking.types import RankedPaper
from bot.source.hf_client import SourceUnavailable
from bot.store.lists import PaperCache
from bot.store.resp import Packed

log = logging.getLogger(__name__)


@dataclass
class _Pool:
    """The merged recent lists, ranked once per distinct topic set."""

    papers: list[Paper]
    day: date  # the most recent list day with papers (the digest links its HF page)
    now: datetime
    ranked: dict[tuple[str, ...], list[RankedPaper]] = field(default_factory=dict)
    index: dict[tuple[str, ...], dict[str, RankedPaper]] = field(default_factory=dict)
    packed: dict[tuple[tuple[str, ...], int], Packed] = field(default_factory=dict)

    @classmethod
    async def load(cls, cache: PaperCache, now: datetime, lookback_days: int) -> _Pool | SourceUnavailable:
        """The last `lookback_days` list days merged; when none of them could be read, why (with
        the latest `retry_at` of the days, if HF said when it will answer again)."""
        today = now.astimezone(UTC).date()
        days = [today - timedelta(days=i) for i in range(lookback_days)]
        lists = await cache.days(days, today=today)
        failures = [v for v in lists.values() if isinstance(v, SourceUnavailable)]
        if len(failures) == len(lists):
            log.warning("daily posts wait: no list day could be read (%s)", failures[0])
            known = [f.retry_at for f in failures if f.retry_at is not None]
            return SourceUnavailable(str(failures[0]), max(known) if known else None)
        seen: set[str] = set()
        papers: list[Paper] = []
        latest: date | None = None
        for day in days:  # newest first: a paper listed again keeps its newest listing
            found = lists[day]
            if isinstance(found, SourceUnavailable) or not found:
                continue
            latest = latest or day
            for paper in found:
                if paper.id not in seen:
                    seen.add(paper.id)
                    papers.append(paper)
        return cls(papers=papers, day=latest or today, now=now)

    def candidates(self, topics: tuple[str, ...], limit: int) -> Packed:
        """The first `limit` ranked ids for `topics`, encoded once for every channel that shares them."""
        found = self.packed.get((topics, limit))
        if found is None:
            found = Packed([r.paper.id for r in self.ranking(topics)[:limit]])
            self.packed[(topics, limit)] = found
        return found

    def ranking(self, topics: tuple[str, ...]) -> list[RankedPaper]:
        """The pool ranked for `topics`, computed once per pass for every channel that shares them."""
        found = self.ranked.get(topics)
        if found is None:
            from bot.ranking import rank

            papers = self.papers
            if len(topics) > 1:
                # rank() keeps only papers matching at least one topic and scores each paper on
                # its own, so ranking the union of the single topics' matches gives the same list,
                # and the single-topic rankings are shared by every set that has the topic.
                matching = {r.paper.id for t in topics for r in self.ranking((t,))}
                papers = [p for p in papers if p.id in matching]
            found = rank(papers, _parse_topics(topics), now=self.now)
            self.ranked[topics] = found
        return found

    def lookup(self, topics: tuple[str, ...], ids: Sequence[str]) -> list[RankedPaper]:
        """The entries of the ids a claim picked, in its order, even those that no longer match."""
        index = self.index.get(topics)
        if index is None:
            index = {r.paper.id: r for r in self.ranking(topics)}
            self.index[topics] = index
        out = []
        by_id = None
        for pid in ids:
            entry = index.get(pid)
            if entry is None:  # no longer matches the topics: still the paper we picked
                if by_id is None:
                    by_id = {p.id: p for p in self.papers}
                paper = by_id.get(pid)
                entry = RankedPaper(paper=paper, score=0.0) if paper else None
            if entry is not None:
                out.append(entry)
        return out


_TOPIC_CACHE: dict[str, Any] = {}


def _parse_topics(texts: tuple[str, ...]) -> list[Any]:
    """The stored topics as queries (parsed once per process); one that no longer parses is skipped."""
    from bot.ranking import QueryError, TopicQuery

    queries = []
    for text in texts:
        query = _TOPIC_CACHE.get(text)
        if query is None:
            try:
                query = TopicQuery.parse(text)
            except QueryError:
                log.warning("stored topic %r no longer parses; ignored", text)
                continue
            if len(_TOPIC_CACHE) > 10000:
                _TOPIC_CACHE.clear()
            _TOPIC_CACHE[text] = query
        queries.append(query)
    return queries
