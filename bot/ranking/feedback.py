"""A channel's relevance feedback: the papers it voted on, as text the ranking can read.

`FeedbackExample` is one vote (+1 liked, -1 disliked) with the paper's title and a bounded text
(`example_of` picks and truncates it), stored with the vote so that it outlives Hugging Face's lists.
`FeedbackProfile` is a channel's votes, newest first. How a profile changes the ranking (Rocchio
relevance feedback) is `bot.ranking.rocchio`; this module is only the data and stays cheap to import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from bot.papers import Paper

#: Characters of text kept with a vote: HF's AI keywords, then its one-sentence AI summary, then the
#: abstract, cut at a word boundary. About the first two thirds of an average abstract with the AI
#: fields in front: enough for the terms that say what a paper is about, small enough to keep a few
#: hundred votes per channel in Redis.
EXAMPLE_TEXT_CHARS: Final = 1000
#: Characters of title kept (titles are rarely longer; a bound keeps stored votes bounded).
EXAMPLE_TITLE_CHARS: Final = 300

LIKE: Final = 1
DISLIKE: Final = -1


@dataclass(frozen=True)
class FeedbackExample:
    """A paper a channel voted on, as text the ranking can read (kept with the vote, so it outlives HF's lists)."""

    paper_id: str
    title: str
    text: str  # abstract / AI summary / keywords, as stored with the vote (may be truncated to ~1,000 chars)
    vote: int  # +1 liked, -1 disliked

    def __post_init__(self) -> None:
        if self.vote not in (LIKE, DISLIKE):
            raise ValueError(f"a vote is +1 or -1, not {self.vote!r}")


@dataclass(frozen=True)
class FeedbackProfile:
    """A channel's votes, newest first, bounded by the store."""

    examples: tuple[FeedbackExample, ...] = ()

    def __bool__(self) -> bool:
        """Whether the channel voted on anything."""
        return bool(self.examples)

    @property
    def liked(self) -> tuple[FeedbackExample, ...]:
        """The examples voted +1, newest first."""
        return tuple(e for e in self.examples if e.vote == LIKE)

    @property
    def disliked(self) -> tuple[FeedbackExample, ...]:
        """The examples voted -1, newest first."""
        return tuple(e for e in self.examples if e.vote == DISLIKE)

    @classmethod
    def from_papers(cls, liked: Iterable[Paper], disliked: Iterable[Paper]) -> FeedbackProfile:
        """A profile of these papers (liked ones first, each group in the order given). Raises
        ValueError naming a paper that is both liked and disliked; a paper given twice counts once."""
        liked, disliked = list(liked), list(disliked)
        both = {p.id for p in liked} & {p.id for p in disliked}
        if both:
            raise ValueError(f"{', '.join(sorted(both))} cannot be both liked and disliked")
        examples: dict[str, FeedbackExample] = {}
        for papers, vote in ((liked, LIKE), (disliked, DISLIKE)):
            for paper in papers:
                examples.setdefault(paper.id, example_of(paper, vote))
        return cls(tuple(examples.values()))


def example_of(paper: Paper, vote: int) -> FeedbackExample:
    """The example stored with a vote (+1 or -1; ValueError otherwise) on `paper`: its title and, as
    text, its AI keywords, AI summary and abstract in that order, cut to `EXAMPLE_TEXT_CHARS` at a word
    boundary (the AI fields are dense in the terms a paper is about; the abstract fills the rest)."""
    parts = [", ".join(paper.ai_keywords), paper.ai_summary or "", paper.abstract]
    text = " ".join(" ".join(p for p in parts if p).split())
    return FeedbackExample(
        paper_id=paper.id,
        title=_cut(" ".join(paper.title.split()), EXAMPLE_TITLE_CHARS),
        text=_cut(text, EXAMPLE_TEXT_CHARS),
        vote=vote,
    )


def _cut(text: str, limit: int) -> str:
    """`text` of at most `limit` characters, cut at the last space before the limit when there is one."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut
