"""Relevance of a paper to a topic, and the match decision: BM25F with background IDF, normalised.

For one side of OR with terms t (words, or phrases scored as one term), a paper's relevance is::

    x_t = BM25F saturation of t in the paper, in [0, 1)                      (bot.ranking.index)
          for an unquoted word, raised by associated terms b present in the paper:
          x_t = 1 - (1 - x_t) * prod_b (1 - EXPANSION_WEIGHT * c(t, b) * x_b)   (background thesaurus)
    w_t = IDF(t) ^ IDF_POWER, IDF from the background statistics                (bot.ranking.background)
    relevance = 1 - ( sum_t w_t^p (1 - x_t)^p / sum_t w_t^p ) ^ (1/p)     in [0, 1)

the p-norm AND of the extended Boolean model (Salton, Fox & Wu 1983) over BM25F's per-term scores:
BM25F normalised by the most a paper can score for the topic, every word counting for its share.
Quoted words and phrases must occur and are never expanded. OR takes the best side; an exclusion
found anywhere in the paper removes it. The paper matches when relevance >= `MATCH_THRESHOLD`: the
rule reads the paper and the background statistics only, never the day's other papers, so a quiet
day yields nothing and a busy day no extra noise. Constants and their reasons: `bot.ranking.tuning`.

`match` answers for one paper; `match_entry` is the cached form `bot.ranking.score.rank` uses for a
whole list: a topic is compiled once per background version (weights, associated terms, and the words
a paper must have, or stand-ins for them, to be able to reach the threshold: a cheap pre-filter), and
each paper remembers its result per topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.papers import Paper
from bot.ranking import tuning
from bot.ranking.background import Background, background
from bot.ranking.index import PaperIndex, paper_index
from bot.ranking.query import Term, TopicQuery
from bot.ranking.tuning import FIELDS
from bot.text_format import quoted

_COMPILED_CACHE_SIZE: Final = 4096
_MEMO_SIZE: Final = 128  # topic results remembered per paper
_VIA_SHOWN: Final = 2  # associated terms named per topic word in explanations
_UNSET: Final = object()


@dataclass(frozen=True, slots=True)
class TermScore:
    """One term's share of a relevance: its evidence `x` in [0, 1), weight `w`, occurrences per field
    (of FIELDS) and the associated terms of the paper that raised `x` (as written in the paper)."""

    typed: str
    x: float
    w: float
    counts: tuple[int, ...]
    via: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        """For people: the term as typed, or ``"safety (≈ jailbreak)"`` when only associated terms
        stood in for it."""
        return f"{self.typed} (≈ {', '.join(self.via)})" if self.via and not any(self.counts) else self.typed


@dataclass(frozen=True, slots=True)
class Hit:
    """A paper matching a topic: the topic text, the relevance in [0, 1), the matched terms as typed,
    the fields they occur in (bit mask of FIELDS) and the scored terms of the best side of OR."""

    query: str
    relevance: float
    terms: tuple[str, ...]
    mask: int
    parts: tuple[TermScore, ...]


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """Why a paper matched a topic: its relevance and the terms (as typed) that were found."""

    query: str  # TopicQuery.text
    score: float  # relevance in [MATCH_THRESHOLD, 1)
    terms: tuple[str, ...]  # the words/phrases found, as typed, or "safety (≈ jailbreak)"
    fields: tuple[str, ...] = ()  # where: "title", "keywords", "summary", "abstract"

    @property
    def strength(self) -> str:
        """How strong the match is, in a word for people: see `strength`."""
        return strength(self.score)


def strength(relevance: float) -> str:
    """ "strong" (relevance >= STRONG_MATCH), "good" (>= GOOD_MATCH) or "weak"."""
    return (
        "strong" if relevance >= tuning.STRONG_MATCH else "good" if relevance >= tuning.GOOD_MATCH else "weak"
    )


class _Side:
    """One side of OR, compiled against the background: per term its weight, its associated terms
    with their discounts, and the sets of tokens a paper must meet (one of each) to be able to reach
    the threshold."""

    __slots__ = ("expansions", "norm", "p", "required", "terms", "threshold", "weights")

    def __init__(self, terms: tuple[Term, ...], stats: Background) -> None:
        self.terms = terms
        self.p = p = tuning.P_NORM
        self.threshold = tuning.MATCH_THRESHOLD
        self.weights = tuple(
            (stats.idf(t.toks[0]) if len(t.toks) == 1 else stats.phrase_idf(t.toks)) ** tuning.IDF_POWER
            for t in terms
        )
        self.norm = sum(w**p for w in self.weights) or 1.0
        own = {t.toks[0] for t in terms if len(t.toks) == 1}
        self.expansions = tuple(dict(_expansions(t, stats, own)) for t in terms)  # term -> discount
        required = []
        for term, w, expansions in zip(terms, self.weights, self.expansions, strict=True):
            # Without this term, relevance <= 1 - (w^p / norm)^(1/p): below the threshold, it is needed.
            if term.exact or 1.0 - (w**p / self.norm) ** (1.0 / p) < self.threshold:
                if len(term.toks) > 1:
                    required.extend(frozenset((t,)) for t in term.toks)
                else:
                    required.append(frozenset((term.toks[0], *expansions)))
        self.required = tuple(required)

    def possible(self, tokens: frozenset[str]) -> bool:
        """Whether a paper with these tokens can reach the threshold (a necessary condition)."""
        return not any(map(tokens.isdisjoint, self.required))

    def score(self, idx: PaperIndex) -> tuple[float, tuple[TermScore, ...], int] | None:
        p = self.p
        missing = 0.0
        parts = []
        mask = 0
        for term, w, expansions in zip(self.terms, self.weights, self.expansions, strict=True):
            if len(term.toks) == 1:
                tok = term.toks[0]
                x = idx.sat.get(tok, 0.0)
                counts = idx.field_counts(tok) if x else (0,) * len(FIELDS)
            else:
                x, counts = idx.phrase(term.toks)
            if x == 0.0 and term.exact:
                return None
            via: list[tuple[float, str]] = []
            present = sorted(expansions.keys() & idx.tokens) if expansions else ()  # sorted: same rounding
            if present:
                doubt = 1.0 - x
                for b in present:
                    evidence = expansions[b] * idx.sat[b]
                    doubt *= 1.0 - evidence
                    via.append((evidence, b))
                    mask |= idx.where[b]
                x = 1.0 - doubt
                via.sort(reverse=True)
            missing += w**p * (1.0 - x) ** p
            parts.append(TermScore(term.typed, x, w, counts, tuple(b for _, b in via[:_VIA_SHOWN])))
            for f, n in enumerate(counts):
                if n:
                    mask |= 1 << f
        return 1.0 - (missing / self.norm) ** (1.0 / p), tuple(parts), mask


def _spelled(part: TermScore, idx: PaperIndex) -> TermScore:
    """`part` with its associated terms as the paper writes them (stems until a match needs them)."""
    if not part.via:
        return part
    return TermScore(part.typed, part.x, part.w, part.counts, tuple(map(idx.surface, part.via)))


def _expansions(term: Term, stats: Background, own: set[str]) -> tuple[tuple[str, float], ...]:
    """An unquoted word's associated terms (not other words of the topic) with their discounts."""
    if term.exact or len(term.toks) > 1:
        return ()
    found = [
        (b, tuning.EXPANSION_WEIGHT * c)
        for b, c in stats.associations(term.toks[0])
        if c >= tuning.EXPANSION_MIN and b not in own
    ]
    return tuple(found[: tuning.EXPANSION_TERMS])


class CompiledTopic:
    """A topic against one version of the background statistics."""

    __slots__ = ("exclusions", "sides", "text")

    def __init__(self, query: TopicQuery, stats: Background) -> None:
        self.text = query.text
        self.sides = tuple(_Side(alt, stats) for alt in query.alternatives)
        self.exclusions = query.exclusions

    def candidates(self, tokens: frozenset[str]) -> bool:
        """Whether a paper with these tokens can match at all (a necessary condition, cheap)."""
        return any(side.possible(tokens) for side in self.sides)

    def hit(self, idx: PaperIndex, floor: float | None = None) -> Hit | None:
        """The match of one paper, or None. With `floor`, the paper's best side is reported when its
        relevance reaches `floor` instead of the match threshold (relevance feedback reads papers
        just below it; `bot.ranking.rocchio`)."""
        best: tuple[float, tuple[TermScore, ...], int] | None = None
        found: list[str] = []
        mask = 0
        for side in self.sides:
            if floor is None and not side.possible(idx.tokens):
                continue
            scored = side.score(idx)
            if scored is None or scored[0] < (side.threshold if floor is None else floor):
                continue
            scored = scored[0], tuple(_spelled(part, idx) for part in scored[1]), scored[2]
            if best is None or scored[0] > best[0]:
                best = scored
            mask |= scored[2]
            found.extend(p.shown for p in scored[1] if p.x > 0 and p.shown not in found)
        if best is None:
            return None
        for term in self.exclusions:
            if len(term.toks) == 1:
                if term.toks[0] in idx.tokens:
                    return None
            elif idx.phrase(term.toks)[0] > 0:
                return None
        return Hit(self.text, best[0], tuple(found), mask, best[1])


_COMPILED: dict[tuple[str, int], CompiledTopic] = {}


def compiled(query: TopicQuery) -> CompiledTopic:
    """`query` compiled against the current background statistics (cached per version)."""
    stats = background()
    key = (query.text, stats.version)
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= _COMPILED_CACHE_SIZE:
            _COMPILED.clear()
        found = _COMPILED[key] = CompiledTopic(query, stats)
    return found


def match_entry(topic: CompiledTopic, idx: PaperIndex, version: int) -> Hit | None:
    """`topic.hit(idx)`, remembered per paper and topic text for one background version (bounded): the
    same topics recur across thousands of channels. The same Hit object is returned while remembered."""
    matches = idx.matches
    if idx.version != version:
        matches.clear()
        idx.version = version
    else:
        entry = matches.get(topic.text, _UNSET)
        if entry is not _UNSET:
            return entry  # type: ignore[return-value]
    entry = topic.hit(idx) if topic.candidates(idx.tokens) else None
    if len(matches) >= _MEMO_SIZE:
        matches.clear()
    matches[topic.text] = entry
    return entry


def fields_of(mask: int) -> tuple[str, ...]:
    """Field names of a field mask, in FIELDS order."""
    return tuple(name for f, name in enumerate(FIELDS) if mask >> f & 1)


def match(query: TopicQuery | str, paper: Paper) -> TopicMatch | None:
    """How well `paper` matches `query` (a TopicQuery or the text of one), or None if it does not.
    Raises `QueryError` for query text that does not parse."""
    if isinstance(query, str):
        query = TopicQuery.parse(query)
    hit = compiled(query).hit(paper_index(paper))
    if hit is None:
        return None
    return TopicMatch(query=hit.query, score=hit.relevance, terms=hit.terms, fields=fields_of(hit.mask))


def describe(hit: Hit) -> str:
    """For `/papers why`, e.g. ``good match for “AI safety”: relevance 0.78 ≥ 0.55, the IDF²-weighted
    mean of each word's BM25F evidence: AI 0.45 (weight 4.8) in abstract; safety 0.93 (weight 11)
    in title, abstract ×3, also jailbreak``; for a one-word topic the evidence is the relevance."""
    words = []
    several = len(hit.parts) > 1
    for part in hit.parts:
        where = ", ".join(
            name if n == 1 else f"{name} ×{n}" for name, n in zip(FIELDS, part.counts, strict=True) if n
        )
        text = f"{part.typed} {part.x:.2f} (weight {part.w:.2g})" if several else part.typed
        if where:
            text += f" in {where}"
        if part.via:
            text += (", also " if where else " via ") + ", ".join(part.via)
        if not where and not part.via:
            text += " not found"
        words.append(text)
    how = (
        f"the IDF{_power()}-weighted mean of each word's BM25F evidence" if several else "its BM25F evidence"
    )
    return (
        f"{strength(hit.relevance)} match for {quoted(hit.query)}: relevance {hit.relevance:.2f} ≥ "
        f"{tuning.MATCH_THRESHOLD}, {how}: " + "; ".join(words)
    )


def _power() -> str:
    p = tuning.IDF_POWER
    return {1.0: "", 2.0: "²", 3.0: "³"}.get(p, f"^{p:g}")
