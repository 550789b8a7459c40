"""The ranked paper pool of one daily pass.

The recent list days are read and merged once per pass, and each distinct topic set is ranked
once, so thousands of channels share a few rankings and their candidate ids are encoded once.
A channel with votes is ranked on its own; the pool keeps the VOTED_RANKINGS_KEPT most recently
used of those (a pass over thousands of voted channels would otherwise hold all their rankings to
its end) and ranks an evicted one again if asked: the same papers at the same `now`, the same list.

A list day that HF refused to send because of a rate limit is missing from the pool until HF's
reset: then `Pool.defer` tells the engine to leave a due channel for a pass at that reset rather
than post from the older lists (and mark the local day covered). A channel whose local day ends
within DEFER_MARGIN after the reset is posted now from what could be read: a post from the cached
lists beats none that day. Resets are at most 5 minutes ahead (`bot.source.rate_limit`), so only
posts due in the last minutes of a local day are posted this way. A day missing for another reason
(HF answering 500 and no copy of it) is not waited for: HF gave no time to come back at.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.papers import Paper
from bot.ranking.feedback import FeedbackProfile
from bot.ranking.types import RankedPaper
from bot.source.hf_client import SourceUnavailable
from bot.store.lists import PaperCache
from bot.store.resp import Packed

log = logging.getLogger(__name__)

#: A ranking is chosen by the channel's topics and its votes (None: no votes).
RankingKey = tuple[tuple[str, ...], FeedbackProfile | None]

#: Rankings of channels with votes kept at once (each is a channel's own: none is shared).
VOTED_RANKINGS_KEPT = 64

#: Seconds a deferred post needs before the end of its local day (the pass at the reset, its sends).
DEFER_MARGIN = 60.0


@dataclass
class Pool:
    """The merged recent lists, ranked once per distinct topic set (and per channel with votes)."""

    papers: list[Paper]
    day: date  # the most recent list day with papers (the digest links its HF page)
    now: datetime
    ranked: dict[RankingKey, list[RankedPaper]] = field(default_factory=dict)
    index: dict[RankingKey, dict[str, RankedPaper]] = field(default_factory=dict)
    packed: dict[tuple[tuple[str, ...], FeedbackProfile | None, int], Packed] = field(default_factory=dict)
    limited_until: float | None = None  # a list day is missing: HF's reset (Unix time, real clock)
    voted: OrderedDict[RankingKey, None] = field(default_factory=OrderedDict)  # least recently used first

    @classmethod
    async def load(cls, cache: PaperCache, now: datetime, lookback_days: int) -> Pool | SourceUnavailable:
        """The last `lookback_days` list days merged; when none of them could be read, why (with
        the latest `retry_at` of the days, if HF said when it will answer again). When some could
        not be read for a rate limit, `limited_until` says until when (see `defer`)."""
        today = now.astimezone(UTC).date()
        days = [today - timedelta(days=i) for i in range(lookback_days)]
        lists = await cache.days(days, today=today)
        failures = [v for v in lists.values() if isinstance(v, SourceUnavailable)]
        known = [f.retry_at for f in failures if f.retry_at is not None]
        if len(failures) == len(lists):
            log.warning("daily posts wait: no list day could be read (%s)", failures[0])
            return SourceUnavailable(str(failures[0]), max(known) if known else None)
        limited_until = max(known).timestamp() if known else None
        if known:
            log.info("a list day is rate-limited: daily posts wait for HF's reset at %s", max(known))
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
        return cls(papers=papers, day=latest or today, now=now, limited_until=limited_until)

    def defer(self, day_end: float) -> float | None:
        """Whether a channel due now waits for a rate-limited list day: HF's reset (Unix time) if
        a list day is missing for a rate limit and the reset comes DEFER_MARGIN before `day_end`,
        the end of the channel's local day (epoch seconds on the pass's clock, `now`); else None:
        post from the lists read."""
        if self.limited_until is None:
            return None
        left = max(0.0, self.limited_until - time.time())  # the pass's clock may not be the real one
        if self.now.timestamp() + left + DEFER_MARGIN >= day_end:
            return None
        return self.limited_until

    def candidates(
        self, topics: tuple[str, ...], limit: int, profile: FeedbackProfile | None = None
    ) -> Packed:
        """The first `limit` ranked ids for `topics` (and the channel's votes, `profile`), encoded
        once for every channel that shares them."""
        key = (topics, profile or None, limit)
        found = self.packed.get(key)
        if found is None:
            found = Packed([r.paper.id for r in self.ranking(topics, profile)[:limit]])
            self.packed[key] = found
        self._used((topics, profile or None))
        return found

    def ranking(self, topics: tuple[str, ...], profile: FeedbackProfile | None = None) -> list[RankedPaper]:
        """The pool ranked for `topics` and a channel's votes (`profile`): the one place a channel's
        ranked list is chosen, computed once per pass for every channel that shares both. A channel
        with votes is ranked on its own (bot.ranking.feedback); the others share per topic set."""
        key = (topics, profile or None)
        found = self.ranked.get(key)
        if found is None:
            from bot.ranking import rank

            papers = self.papers
            if len(topics) > 1 and not profile:
                # rank() keeps only papers matching at least one topic and scores each paper on
                # its own, so ranking the union of the single topics' matches gives the same list,
                # and the single-topic rankings are shared by every set that has the topic. (Votes
                # may admit a paper just below a topic's threshold: a profile ranks all papers.)
                matching = {r.paper.id for t in topics for r in self.ranking((t,))}
                papers = [p for p in papers if p.id in matching]
            found = rank(papers, parse_topics(topics), now=self.now, profile=profile or None)
            self.ranked[key] = found
        self._used(key)
        return found

    def lookup(
        self, topics: tuple[str, ...], ids: Sequence[str], profile: FeedbackProfile | None = None
    ) -> list[RankedPaper]:
        """The entries of the ids a claim picked, in its order, even those that no longer match."""
        key = (topics, profile or None)
        index = self.index.get(key)
        if index is None:
            index = {r.paper.id: r for r in self.ranking(topics, profile)}
            self.index[key] = index
        self._used(key)
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

    def _used(self, key: RankingKey) -> None:
        """Note a use of a voted channel's ranking; forget the least recently used beyond the bound."""
        if key[1] is None:
            return
        self.voted[key] = None
        self.voted.move_to_end(key)
        while len(self.voted) > VOTED_RANKINGS_KEPT:
            old, _ = self.voted.popitem(last=False)
            self.ranked.pop(old, None)
            self.index.pop(old, None)
            for packed in [k for k in self.packed if k[:2] == old]:
                del self.packed[packed]


_TOPIC_CACHE: dict[str, Any] = {}


def parse_topics(texts: tuple[str, ...]) -> list[Any]:
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
