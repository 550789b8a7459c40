"""Topic matching and ranking: which papers a channel sees, and in what order.

The data path: `analysis` (words to terms) -> `index` (a paper's fields, BM25F) with `background`
(IDF from many papers) -> `query` (the topic language) -> `relevance` (the match decision) -> `score`
(the ranking). Every tuning constant is in `tuning`; the design is in docs/ranking.md.
"""

from bot.ranking.feedback import FeedbackExample, FeedbackProfile, example_of
from bot.ranking.query import QueryError, TopicQuery
from bot.ranking.relevance import TopicMatch, match
from bot.ranking.score import explain, rank
from bot.ranking.types import RankedPaper, ScorePart

__all__ = [
    "FeedbackExample",
    "FeedbackProfile",
    "QueryError",
    "RankedPaper",
    "ScorePart",
    "TopicMatch",
    "TopicQuery",
    "example_of",
    "explain",
    "match",
    "rank",
]
