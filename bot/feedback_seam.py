"""The one place the chat side of issue 12 meets the ranking core's relevance feedback.

The ranking core (`bot.ranking.feedback`, branch i12-core) defines `FeedbackExample(paper_id, title,
text, vote)` (vote +1 liked, -1 disliked), `FeedbackProfile(examples=())` (truthy when it has
examples), `example_of(paper, vote)` and `rank(..., profile=...)`. The store, the listings and
`why` import those names from here only: while that module is not merged, stand-ins with the
contract's exact names and fields take its place and `rank_with_profile` ranks without the
profile. Once it is merged this module only re-exports, and callers can import from
`bot.ranking` directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.papers import Paper
from bot.ranking import RankedPaper, TopicQuery, rank
from bot.text_format import clip, one_line

#: Characters of a paper's text kept with a vote (the profile must outlive HF's list cache):
#: the first ~100 words of the abstract carry the terms relevance feedback expands a query with.
EXAMPLE_TEXT_MAX = 600
EXAMPLE_TITLE_MAX = 300

try:  # the ranking core, once merged
    from bot.ranking.feedback import (  # type: ignore[import-not-found, unused-ignore]
        FeedbackExample,
        FeedbackProfile,
        example_of,
    )

    RANKING_TAKES_PROFILE = True
except ImportError:  # until then: the contract's names and fields, and ranking without them
    RANKING_TAKES_PROFILE = False

    @dataclass(frozen=True, slots=True)
    class FeedbackExample:  # type: ignore[no-redef]
        """A voted paper: +1 liked, -1 disliked."""

        paper_id: str
        title: str
        text: str
        vote: int

    @dataclass(frozen=True, slots=True)
    class FeedbackProfile:  # type: ignore[no-redef]
        """A channel's voted papers, most recent first; truthy when it has any."""

        examples: tuple[FeedbackExample, ...] = ()

        def __bool__(self) -> bool:
            return bool(self.examples)

    def example_of(paper: Paper, vote: int) -> FeedbackExample:  # type: ignore[misc]
        """The example a vote on `paper` makes: its title and the start of its abstract."""
        return FeedbackExample(
            paper.id,
            clip(one_line(paper.title), EXAMPLE_TITLE_MAX),
            clip(one_line(paper.abstract or paper.ai_summary or ""), EXAMPLE_TEXT_MAX),
            vote,
        )


def rank_with_profile(
    papers: Iterable[Paper],
    topics: Sequence[TopicQuery] = (),
    *,
    now: datetime,
    profile: FeedbackProfile | None = None,
) -> list[RankedPaper]:
    """`bot.ranking.rank`, given the channel's `profile` when the ranking core takes one."""
    if profile and RANKING_TAKES_PROFILE:
        return rank(papers, topics, now=now, profile=profile)  # type: ignore[call-arg, unused-ignore]
    return rank(papers, topics, now=now)


__all__ = [
    "EXAMPLE_TEXT_MAX",
    "EXAMPLE_TITLE_MAX",
    "FeedbackExample",
    "FeedbackProfile",
    "example_of",
    "rank_with_profile",
]
