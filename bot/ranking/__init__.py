"""Topic matching and ranking: which papers a channel sees, and in what order."""

from bot.ranking.score import explain, rank
from bot.ranking.topics import QueryError, TopicMatch, TopicQuery, match
from bot.ranking.types import RankedPaper, ScorePart

__all__ = ["QueryError", "RankedPaper", "ScorePart", "TopicMatch", "TopicQuery", "explain", "match", "rank"]
