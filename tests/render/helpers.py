"""Digest builders for the renderer tests: real `Digest`/`RankedPaper`, made directly (no ranking)."""

from __future__ import annotations

from datetime import date

from bot.digest import Digest
from bot.papers import Paper
from bot.ranking.types import RankedPaper

DAY = date(2025, 10, 15)


def ranked(paper: Paper, *, topics: tuple[str, ...] = (), score: float = 1.0) -> RankedPaper:
    return RankedPaper(paper=paper, score=score, matched_topics=topics)


def digest_of(
    papers: list[Paper],
    *,
    day: date = DAY,
    total: int | None = None,
    topics: tuple[str, ...] = (),
    offset: int = 0,
    matched: tuple[str, ...] = (),
) -> Digest:
    """`papers` in order as the shown entries; `total` defaults to exactly those (plus the offset)."""
    entries = tuple(ranked(p, topics=matched, score=float(len(papers) - i)) for i, p in enumerate(papers))
    return Digest(
        day=day,
        entries=entries,
        total=len(papers) + offset if total is None else total,
        topics=topics,
        offset=offset,
    )


__all__ = ["DAY", "Digest", "RankedPaper", "digest_of", "ranked"]
