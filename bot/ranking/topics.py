"""Topic matching: does a paper match a topic query, and how strongly.

The query language is `bot.ranking.query`; normalisation, acronyms and the per-paper text index are
`bot.ranking.text_index`. This module re-exports `QueryError`, `TopicQuery`, `MAX_QUERY_LENGTH` and
the other names it used to define, so ``from bot.ranking.topics import ...`` keeps working.

Does a paper match?
-------------------
Each occurrence is evidence, weighted by field and capped per field so a long abstract cannot win by
repetition alone::

    field        weight   counted at most
    title          3.0       1
    ai_keywords    2.5       2   (keywords containing the term)
    ai_summary     1.5       2
    abstract       1.0       4

A term's evidence E is the sum over fields of ``weight * min(count, cap)``, halved
(`ABSTRACT_ONLY_FACTOR`) when only the abstract has it although the paper has AI keywords or an AI
summary: both leaving it out is a sign it is peripheral. Unquoted words typed together form a *loose
phrase*: its evidence is that of the places where all its words occur within ``len(words) + 1``
tokens of each other (any order), plus two thirds (`LOOSE_WEAKEST`) of the evidence of its weakest
word, so every word must be well attested (e.g. in the title or keywords) or the words must occur
together. An alternative's evidence is that of its weakest term, and it matches when that reaches
`MATCH_THRESHOLD` = 2: a word in the title or the keywords is enough; a word mentioned once in the
abstract is not (twice is, or four times when the AI keywords and summary leave it out).
Relevance, `TopicMatch.score`, is ``1 - exp(-E / 5)`` in (0, 1) for the best matching alternative:
about 0.33 at the threshold, 0.8 to 0.9 for a title + keywords + abstract hit.

Related terms (`bot.ranking.related`): an unquoted word in the small lexicon (``efficient``,
``fast``, ``inference``, ``compression``, ``quantization``) can be met by its related terms instead:
the paper's index has a concept token (``~efficient``) counted like a word wherever the word or any
related term occurs, and the variant alternatives using it must reach ``MATCH_THRESHOLD /
RELATED_WEIGHT`` (about 3.1: two places, e.g. title and abstract, or keywords and abstract, never one
passing mention); their evidence is then multiplied by `RELATED_WEIGHT`, so with equal evidence an
exact match ranks first. `TopicMatch.terms` shows what was found: ``"speedup (≈ efficient)"``, the
paper's strongest related term for the typed word.

Known limit of matching words rather than meanings: outside that lexicon every typed word is required,
so ``inference OR serving OR quantization`` is the way to ask for more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from bot.papers import Paper
from bot.ranking.query import MAX_QUERY_LENGTH, MAX_TERMS, QueryError, TopicQuery, _Alternative
from bot.ranking.text_index import (
    ABSTRACT_ONLY_FACTOR,
    CONCEPT_FORMS,
    FIELD_CAPS,
    FIELD_WEIGHTS,
    INDEX_CACHE_SIZE,
    LOOSE_WEAKEST,
    RELATED_SHOWN,
    PaperIndex,
    clear_index_cache,
    normalise,
    paper_index,
)

__all__ = [
    "ABSTRACT_ONLY_FACTOR",
    "FIELD_CAPS",
    "FIELD_NAMES",
    "FIELD_WEIGHTS",
    "INDEX_CACHE_SIZE",
    "LOOSE_WEAKEST",
    "MATCH_THRESHOLD",
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "RELEVANCE_SCALE",
    "Hit",
    "PaperIndex",
    "QueryError",
    "TopicMatch",
    "TopicQuery",
    "clear_index_cache",
    "fields_of",
    "match",
    "match_entry",
    "match_index",
    "normalise",
    "paper_index",
    "relevance",
    "strength",
]

MATCH_THRESHOLD: Final = 2.0
RELEVANCE_SCALE: Final = 5.0
FIELD_NAMES: Final = ("title", "keywords", "summary", "abstract")
_MATCH_MEMO_SIZE = 128  # topic results remembered per paper

Hit = tuple[str, float, tuple[str, ...], int]  # (topic text, relevance, typed terms, field mask)


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """Why a paper matched a topic: its relevance and the terms (as typed) that were found."""

    query: str  # TopicQuery.text
    score: float  # relevance in (0, 1): 1 - exp(-evidence / 5)
    terms: tuple[str, ...]  # the words/phrases of the matching alternatives, as typed, or as
    # "speedup (≈ efficient)" when a related term stood in for a typed word
    fields: tuple[str, ...] = ()  # where they were found: "title", "keywords", "summary", "abstract"

    @property
    def strength(self) -> str:
        """How strong the match is, in a word for people: see `strength`."""
        return strength(self.score)


def strength(score: float) -> str:
    """ "strong" (relevance >= 0.75), "good" (>= 0.5) or "weak"."""
    return "strong" if score >= 0.75 else "good" if score >= 0.5 else "weak"


def relevance(evidence: float) -> float:
    """Map evidence (0..~22) to a relevance in [0, 1)."""
    return 1.0 - math.exp(-evidence / RELEVANCE_SCALE)


def match_index(query: TopicQuery, idx: PaperIndex) -> Hit | None:
    """The hot path: (topic text, relevance, typed terms, field mask) of `query` against an index."""
    word = query._word
    if word is not None:  # the most common topic shape: one word
        e = idx.ev.get(word, 0.0)
        if e < MATCH_THRESHOLD:
            return None
        return query.text, 1.0 - math.exp(-e / RELEVANCE_SCALE), query._alternatives[0].typed, idx.where[word]
    tokens = idx.tokens
    ev = idx.ev
    best = -1.0
    terms: tuple[str, ...] = ()
    mask = 0
    matched = 0  # bit per alternative as typed: its terms are listed once, from its first version to match
    for alt in query._alternatives:
        if not alt.required <= tokens:
            continue
        weight = alt.weight
        need = MATCH_THRESHOLD / weight  # raw evidence a variant from related terms needs
        evidence = math.inf
        for w in alt.words:
            e = ev[w]
            if e < evidence:
                evidence = e
        if evidence < need:
            continue
        alt_mask = 0
        if alt.loose:
            # near <= weakest word, so a loose phrase scores at most (1 + LOOSE_WEAKEST) x its weakest
            # word (unless the paper defines an acronym for it): skip the position scan when hopeless.
            if (1 + LOOSE_WEAKEST) * min(ev[w] for w in alt.loose) < need and alt.loose not in idx.expand:
                continue
            e, alt_mask = idx.loose_evidence(alt.loose)
            if e < evidence:
                evidence = e
        for toks in alt.phrases:
            e, m = idx.phrase_evidence(toks)
            alt_mask |= m
            if e < evidence:
                evidence = e
        if evidence < need:
            continue
        where = idx.where
        for w in alt.words:
            alt_mask |= where[w]
        evidence *= weight
        if evidence > best:
            best = evidence
        bit = 1 << alt.group
        if not matched & bit:
            matched |= bit
            typed = alt.typed if not alt.swapped else _related_terms(alt, idx)
            terms = typed if not terms else terms + tuple(t for t in typed if t not in terms)
        mask |= alt_mask
    if best < 0:
        return None
    for ex in query._exclusions:
        if len(ex.toks) == 1:
            if ex.toks[0] in tokens:
                return None
        elif all(t in tokens for t in ex.toks) and any(idx.phrase_hits(f, ex.toks) for f in range(4)):
            return None
    return query.text, relevance(best), terms, mask


def _related_terms(alt: _Alternative, idx: PaperIndex) -> tuple[str, ...]:
    """The terms of a variant from related terms, each replaced word shown as the paper's strongest
    form of it: ``"speedup (≈ efficient)"``, or the word as typed when that form is the word itself."""
    typed = list(alt.typed)
    ev = idx.ev
    for i, concept in alt.swapped:
        head = alt.terms[i][0]
        found = max(CONCEPT_FORMS[concept], key=lambda t: (ev.get(t, 0.0), t == head, t))
        if found != head:
            typed[i] = f"{RELATED_SHOWN.get(found, found)} (≈ {typed[i]})"
    return tuple(typed)


_UNSET: Final = object()


def match_entry(query: TopicQuery, idx: PaperIndex) -> Hit | None:
    """`match_index` as a `Hit`, remembered per paper text and topic text (bounded): the same topics
    recur across thousands of channels. The same Hit object is returned while remembered."""
    entry = idx.matches.get(query.text, _UNSET)
    if entry is _UNSET:
        entry = match_index(query, idx)
        if len(idx.matches) >= _MATCH_MEMO_SIZE:
            idx.matches.clear()
        idx.matches[query.text] = entry
    return entry  # type: ignore[return-value]


@lru_cache(maxsize=16)
def fields_of(mask: int) -> tuple[str, ...]:
    """Field names of a field mask, in FIELD_NAMES order."""
    return tuple(name for f, name in enumerate(FIELD_NAMES) if mask >> f & 1)


def match(query: TopicQuery | str, paper: Paper) -> TopicMatch | None:
    """How well `paper` matches `query` (a TopicQuery or the text of one), or None if it does not."""
    if isinstance(query, str):
        query = TopicQuery.parse(query)
    found = match_index(query, paper_index(paper))
    if found is None:
        return None
    text, score, terms, mask = found
    return TopicMatch(query=text, score=score, terms=terms, fields=fields_of(mask))
