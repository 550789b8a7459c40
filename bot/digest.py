"""The digest: what a post or a `/papers` answer shows, before any platform formatting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.papers import Paper, list_url
from bot.ranking import FeedbackProfile, TopicQuery, rank
from bot.ranking.types import RankedPaper


@dataclass(frozen=True, slots=True)
class Digest:
    """Ranked papers of a list day, ready for any renderer.

    `entries` are the shown papers, best first, starting at rank `offset + 1`; `total` is how many
    papers qualified (all of the day, or those matching `topics`), so `more` were left out.
    """

    day: date
    entries: tuple[RankedPaper, ...]
    total: int
    topics: tuple[str, ...] = ()
    offset: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - self.offset - len(self.entries))

    @property
    def more_url(self) -> str:
        return list_url(self.day)


def build_digest(
    papers: Iterable[Paper],
    *,
    day: date,
    top: int,
    now: datetime,
    topics: Sequence[TopicQuery] = (),
    offset: int = 0,
    profile: FeedbackProfile | None = None,
) -> Digest:
    """Rank `papers` (filtered by `topics` when given, moved by the channel's votes in `profile`) and
    keep `top` of them from `offset`."""
    ranked = rank(papers, topics, now=now, profile=profile)
    return Digest(
        day=day,
        entries=tuple(ranked[offset : offset + top]),
        total=len(ranked),
        topics=tuple(t.text for t in topics),
        offset=offset,
    )
