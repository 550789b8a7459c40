"""Results of ranking, shared by the digest, the renderers and `/papers why`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.papers import Paper
from bot.ranking.feedback import FeedbackExample


@dataclass(frozen=True, slots=True)
class ScorePart:
    """One term of a paper's score, kept so the ranking can explain itself."""

    name: str  # "upvotes", "relevance", "feedback", "stars", "comments"
    value: float  # contribution to the total score
    detail: str  # for people: "67 upvotes in 18 h on the list"


@dataclass(frozen=True, slots=True)
class RankedPaper:
    """A paper with its score, the parts of that score and the topics it matched."""

    paper: Paper
    score: float
    parts: tuple[ScorePart, ...] = ()
    matched_topics: tuple[str, ...] = ()  # the topic queries (as typed) that matched
    matched_terms: tuple[str, ...] = ()  # the words or phrases that made them match
    # The channel's voted papers it is most like, most similar first, when its votes moved it: liked
    # ones when the "feedback" part is positive, disliked ones when negative (bot.ranking.rocchio).
    feedback: tuple[FeedbackExample, ...] = ()
