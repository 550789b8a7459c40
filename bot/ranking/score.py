"""Ranking: one explainable score per paper, the sum of a few named parts.

The formula
-----------
::

    score = upvotes + relevance + feedback + stars + comments            (each a ScorePart.value)

    upvotes   = ln(1 + upvotes * boost)
                boost = sqrt(24 h / clamp(hours on the list, 6 h, 24 h))        in [1, 2]
    relevance = 12 * r          r = relevance in [0.55, 1) of the best matching topic; topic digests only
    feedback  = 12 * f          f = the channel's relevance feedback (Rocchio), with a profile only:
                                with topics clamped to +-0.1 and added to r for the match decision
    stars     = 0.1 * ln(1 + GitHub stars)                                      only when known and > 0
    comments  = 0.25 * ln(1 + comments)                                         only when > 0

The weights and the reasons for them are in `bot.ranking.tuning`; the relevance is
`bot.ranking.relevance`, the feedback `bot.ranking.rocchio`. "Hours on the list" run from
`Paper.submitted_at` (or 00:00 UTC of `list_day` when the API did not say) to `now`, counted in whole
minutes. Ties break by upvotes (more first), then arXiv id (ascending), so the order is total and
deterministic. Without a profile, or with an empty one, the results are those of no feedback, object
for object. `explain` turns the parts into one line each for `/papers why`; they always sum to the
score. What is cached, and why (the daily fan-out ranks the same papers for thousands of channels):
docs/ranking.md, "Speed".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time
from functools import lru_cache

from bot.papers import Paper
from bot.ranking import tuning
from bot.ranking.background import background
from bot.ranking.feedback import FeedbackProfile
from bot.ranking.index import PaperIndex, lookup, paper_index
from bot.ranking.query import TopicQuery
from bot.ranking.relevance import CompiledTopic, Hit, compiled, describe, match_entry
from bot.ranking.rocchio import FeedbackModel, model, paper_vector
from bot.ranking.tuning import COMMENTS_WEIGHT, FULL_DAY_HOURS, MIN_HOURS, STARS_WEIGHT
from bot.ranking.types import RankedPaper, ScorePart
from bot.text_format import clip, quoted

BASE_CACHE_SIZE = 8192  # (paper, minute) entries; cleared wholesale when full
_TITLE_SHOWN = 80  # characters of a voted paper's title in a feedback explanation


def _minute(now: datetime) -> int:
    """`now` in whole minutes since the epoch (naive datetimes are taken as UTC)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return int(now.timestamp() // 60)


def hours_on_list(paper: Paper, now: datetime) -> float:
    """Hours since the paper entered the list, counted in whole minutes of `now`; never negative."""
    return _hours(paper, _minute(now))


def _hours(paper: Paper, minute: int) -> float:
    start = paper.submitted_at or datetime.combine(paper.list_day, time.min, UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return max(0.0, (minute * 60 - start.timestamp()) / 3600.0)


def upvote_boost(hours: float) -> float:
    """The fairness factor for young papers: sqrt(24 / clamp(hours, 6, 24)), from 2 down to 1."""
    return math.sqrt(FULL_DAY_HOURS / min(FULL_DAY_HOURS, max(MIN_HOURS, hours)))


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _age(hours: float) -> str:
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return f"{int(hours)} h"
    return f"{int(hours // 24)} days"


class _Base:
    """The topic-independent part of a paper's ranking at a given minute."""

    __slots__ = ("paper", "parts", "plain", "score", "topical")

    def __init__(self, paper: Paper, minute: int) -> None:
        hours = _hours(paper, minute)
        boost = upvote_boost(hours)
        detail = f"{_plural(paper.upvotes, 'upvote')} in {_age(hours)} on the list"
        if boost > 1.0005:
            detail += f", counted ×{boost:.2f} as it has been there less than a day"
        parts = [ScorePart("upvotes", math.log1p(paper.upvotes * boost), detail)]
        if paper.github_stars:
            parts.append(_stars_part(paper.github_stars))
        if paper.comments:
            parts.append(_comments_part(paper.comments))
        self.paper = paper
        self.parts = tuple(parts)
        self.score = _total(self.parts)
        self.plain: RankedPaper | None = None  # the no-topic RankedPaper, built on first use
        # RankedPapers with topics, keyed by the ids of their Hits (kept alive by the value, so an id
        # cannot be reused while its entry exists).
        self.topical: dict[tuple[int, ...], tuple[tuple[Hit, ...], RankedPaper]] = {}


@lru_cache(maxsize=4096)
def _stars_part(stars: int) -> ScorePart:
    return ScorePart("stars", STARS_WEIGHT * math.log1p(stars), _plural(stars, "GitHub star"))


@lru_cache(maxsize=1024)
def _comments_part(comments: int) -> ScorePart:
    return ScorePart("comments", COMMENTS_WEIGHT * math.log1p(comments), _plural(comments, "comment"))


_BASES: dict[tuple[int, int], _Base] = {}


def _base(paper: Paper, minute: int) -> _Base:
    """Cached per paper object and minute: the daily fan-out ranks the same papers for many channels."""
    key = (id(paper), minute)
    base = _BASES.get(key)
    if base is None or base.paper is not paper:  # `is`: an id can be reused once a paper is freed
        if len(_BASES) >= BASE_CACHE_SIZE:
            _BASES.clear()
        base = _BASES[key] = _Base(paper, minute)
    return base


def clear_score_cache() -> None:
    """Forget cached score parts (tests and benchmarks measuring cold runs)."""
    _BASES.clear()
    _TOPIC_INFO.clear()
    _RUNS.clear()
    _LISTS.clear()


def _total(parts: Sequence[ScorePart]) -> float:
    score = 0.0
    for part in parts:  # the same order explain() lists them in, so they sum to the score exactly
        score += part.value
    return score


_TOPIC_INFO: dict[tuple[Hit, ...], tuple[ScorePart, tuple[str, ...], tuple[str, ...]]] = {}
_TOPICAL_SIZE = 16  # topic sets remembered per paper


def _topic_info(hits: tuple[Hit, ...]) -> tuple[ScorePart, tuple[str, ...], tuple[str, ...]]:
    """The relevance part, matched topics and matched terms of some topic matches. Shared: the same
    matches recur across papers."""
    info = _TOPIC_INFO.get(hits)
    if info is None:
        best = hits[0]
        for h in hits:
            if h.relevance > best.relevance:
                best = h
        detail = describe(best)
        if len(hits) > 1:
            detail += "; also matches " + ", ".join(quoted(h.query) for h in hits if h is not best)
            terms: list[str] = []
            for h in hits:
                terms.extend(t for t in h.terms if t not in terms)
            topics, all_terms = tuple(h.query for h in hits), tuple(terms)
        else:
            topics, all_terms = (best.query,), best.terms
        if len(_TOPIC_INFO) >= BASE_CACHE_SIZE:
            _TOPIC_INFO.clear()
        part = ScorePart("relevance", tuning.RELEVANCE_WEIGHT * best.relevance, detail)
        info = _TOPIC_INFO[hits] = (part, topics, all_terms)
    return info


def _plain(base: _Base) -> RankedPaper:
    if base.plain is None:
        base.plain = RankedPaper(paper=base.paper, score=base.score, parts=base.parts)
    return base.plain


def _with_topics(base: _Base, hits: tuple[Hit, ...]) -> RankedPaper:
    key = tuple(map(id, hits))
    known = base.topical.get(key)
    if known is not None:
        return known[1]
    part, topics, terms = _topic_info(hits)
    parts = (base.parts[0], part, *base.parts[1:])
    ranked = RankedPaper(
        paper=base.paper, score=_total(parts), parts=parts, matched_topics=topics, matched_terms=terms
    )
    if len(base.topical) >= _TOPICAL_SIZE:
        base.topical.clear()
    base.topical[key] = (hits, ranked)
    return ranked


_RUNS: dict[tuple[str, int], tuple[tuple[PaperIndex | None, ...], list[tuple[int, Hit]]]] = {}
_RUNS_SIZE = 256  # (topic, list) results remembered; cleared wholesale when full


def _topic_hits(
    topic: CompiledTopic, indexes: tuple[PaperIndex | None, ...], version: int
) -> list[tuple[int, Hit]]:
    """(position, hit) of every paper of `indexes` matching `topic`. The whole answer is remembered per
    topic and list (compared by identity of its indexes), so a list is scored once per distinct topic
    however many channels and topic sets share it; other lists still reuse each paper's memo."""
    key = (topic.text, version)
    known = _RUNS.get(key)
    if known is not None and known[0] == indexes:
        return known[1]
    hits = [
        (k, hit)
        for k, idx in enumerate(indexes)
        if idx is not None and (hit := match_entry(topic, idx, version)) is not None
    ]
    if len(_RUNS) >= _RUNS_SIZE:
        _RUNS.clear()
    _RUNS[key] = (indexes, hits)
    return hits


_LISTS: dict[tuple[int, ...], tuple[tuple[Paper, ...], list[PaperIndex | None], list[frozenset[str]]]] = {}
_LISTS_SIZE = 64  # lists remembered; cleared wholesale when full


def _looked_up(papers: list[Paper]) -> tuple[list[PaperIndex | None], list[frozenset[str]]]:
    """Each paper's index (None while not built) and terms, counted into the background statistics.
    Remembered per list (the same Paper objects in the same order): the fan-out ranks one list for
    many topics. The index list is shared with the cache, so indexes built later are remembered too."""
    key = tuple(map(id, papers))
    known = _LISTS.get(key)
    if known is not None and known[0] == tuple(papers):  # identity first: the same objects
        return known[1], known[2]
    looked_up = [lookup(p) for p in papers]
    indexes = [idx for idx, _ in looked_up]
    tokens = [found for _, found in looked_up]
    stats = background()
    stats.observe(
        (p.id, p.list_day, t) for p, t in zip(papers, tokens, strict=True) if stats.wants(p.id, p.list_day)
    )
    if len(_LISTS) >= _LISTS_SIZE:
        _LISTS.clear()
    _LISTS[key] = (tuple(papers), indexes, tokens)
    return indexes, tokens


def rank(
    papers: Iterable[Paper],
    topics: Sequence[TopicQuery] = (),
    *,
    now: datetime,
    profile: FeedbackProfile | None = None,
) -> list[RankedPaper]:
    """Score and sort `papers`, best first. With `topics`, keep only papers matching at least one
    (`bot.ranking.relevance`), each listing the topics it matches in the order given. `profile`, the
    channel's votes, applies relevance feedback (`bot.ranking.rocchio`); None or empty changes nothing."""
    papers = list(papers)
    minute = _minute(now)
    topics = list({t.text: t for t in topics}.values())  # a topic listed twice counts once
    if not topics:
        ranked = [_plain(_base(p, minute)) for p in papers]
    else:
        indexes, tokens = _looked_up(papers)
        version = background().version
        compiled_topics = [compiled(t) for t in topics]
        for k, idx in enumerate(indexes):  # index only the papers some topic can match
            if idx is None and any(topic.candidates(tokens[k]) for topic in compiled_topics):
                indexes[k] = paper_index(papers[k])
        found: dict[int, list[Hit]] = {}
        for topic in compiled_topics:
            for k, hit in _topic_hits(topic, tuple(indexes), version):
                if k in found:
                    found[k].append(hit)
                else:
                    found[k] = [hit]
        if profile:
            ranked = _topics_with_feedback(papers, minute, compiled_topics, indexes, found, model(profile))
        else:
            ranked = [_with_topics(_base(papers[k], minute), tuple(hits)) for k, hits in found.items()]
    if profile and not topics:
        ranked = _plain_with_feedback(ranked, model(profile))
    ranked.sort(key=_order)
    return ranked


def _with_feedback(ranked: RankedPaper, shift: float, fm: FeedbackModel) -> RankedPaper:
    """`ranked` with a feedback part of RELEVANCE_WEIGHT x `shift` (f, clamped with topics) after its
    relevance (or upvotes) part, naming the voted papers it is most like."""
    own = ranked.paper.id  # a paper the channel voted on itself is named as such, not as its own neighbour
    found = fm.neighbours(paper_vector(ranked.paper), 1 if shift > 0 else -1)
    neighbours = tuple(e for e in found if e.paper_id != own)
    shown = ", ".join(quoted(clip(e.title, _TITLE_SHOWN)) for e in neighbours) or "their common words"
    verb = "liked" if shift > 0 else "disliked"
    if len(neighbours) < len(found):
        detail = f"this channel {verb} it" + (f"; also like {shown}" if neighbours else "")
    elif shift > 0:
        detail = f"similar to papers this channel liked: {shown}"
    else:
        detail = f"like papers this channel disliked: {shown}"
    part = ScorePart("feedback", tuning.RELEVANCE_WEIGHT * shift, detail)
    at = 2 if len(ranked.parts) > 1 and ranked.parts[1].name == "relevance" else 1
    parts = (*ranked.parts[:at], part, *ranked.parts[at:])
    return replace(ranked, score=_total(parts), parts=parts, feedback=found)


def _plain_with_feedback(ranked: list[RankedPaper], fm: FeedbackModel) -> list[RankedPaper]:
    """Without topics, f is the only relevance: every paper like the disliked ones goes down, and the
    papers most like the liked ones go up, at most `fm.cap(+1)` of them."""
    effects = [fm.effect(paper_vector(r.paper)) for r in ranked]
    raised = {k for _, k in sorted((-e.shift, k) for k, e in enumerate(effects) if e.shift > 0)[: fm.cap(1)]}
    return [
        _with_feedback(r, e.shift, fm) if e.shift < 0 or k in raised else r
        for k, (r, e) in enumerate(zip(ranked, effects, strict=True))
    ]


def _topics_with_feedback(
    papers: list[Paper],
    minute: int,
    topics: list[CompiledTopic],
    indexes: list[PaperIndex | None],
    found: dict[int, list[Hit]],
    fm: FeedbackModel,
) -> list[RankedPaper]:
    """With topics, f (clamped to +-FEEDBACK_MAX_SHIFT) moves the best topic's relevance: matches like
    the disliked papers may fall below the threshold (at most `fm.cap(-1)`, the lowest first), papers
    just below it like the liked ones may join (at most `fm.cap(+1)`, the highest first)."""
    bound, threshold = tuning.FEEDBACK_MAX_SHIFT, tuning.MATCH_THRESHOLD
    shifts: dict[int, float] = {}
    for k, paper in enumerate(papers):
        shift = fm.effect(paper_vector(paper)).shift
        if shift > 0 or (shift < 0 and k in found):
            shifts[k] = max(-bound, min(bound, shift))
    leaving = sorted(
        (max(h.relevance for h in found[k]) + shift, k)
        for k, shift in shifts.items()
        if k in found and max(h.relevance for h in found[k]) + shift < threshold
    )
    removed = {k for _, k in leaving[: fm.cap(-1)]}
    joining: list[tuple[float, int, Hit]] = []
    for k, shift in shifts.items():
        if k in found or shift < tuning.FEEDBACK_MIN_ADMIT:
            continue
        idx = indexes[k] or paper_index(papers[k])
        below = [h for t in topics if (h := t.hit(idx, floor=threshold - shift)) is not None]
        if below:
            best = max(below, key=lambda h: h.relevance)  # first of the best: topics in the order given
            joining.append((best.relevance + shift, k, best))
    joining.sort(key=lambda rkh: (-rkh[0], rkh[1]))
    ranked = []
    for k, hits in found.items():
        if k in removed:
            continue
        entry = _with_topics(_base(papers[k], minute), tuple(hits))
        ranked.append(_with_feedback(entry, shifts[k], fm) if k in shifts else entry)
    for _, k, hit in joining[: fm.cap(1)]:
        shift = shifts[k]
        base = _base(papers[k], minute)
        detail = (
            f"below the match threshold for {quoted(hit.query)} (relevance {hit.relevance:.2f} < {threshold}), "
            f"admitted as {hit.relevance + shift:.2f} with this channel's feedback"
        )
        relevance = ScorePart("relevance", tuning.RELEVANCE_WEIGHT * hit.relevance, detail)
        parts = (base.parts[0], relevance, *base.parts[1:])
        entry = RankedPaper(base.paper, _total(parts), parts, (hit.query,), hit.terms)
        ranked.append(_with_feedback(entry, shift, fm))
    return ranked


def _order(r: RankedPaper) -> tuple[float, int, str]:
    return (-r.score, -r.paper.upvotes, r.paper.id)


def explain(ranked: RankedPaper) -> list[str]:
    """One line per score part, e.g. ``"upvotes +4.22: 67 upvotes in 18 h on the list"``."""
    return [f"{part.name} {part.value:+.2f}: {part.detail}" for part in ranked.parts]
