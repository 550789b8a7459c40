"""The per-paper index: a paper's fields analysed once, with each term's BM25F saturation precomputed.

`paper_index(paper)` is cached (bounded LRU) by the paper's text fields, so a list day is indexed
once however many channels, topics and upvote refreshes read it. A `PaperIndex` holds, per field
(`bot.ranking.tuning.FIELDS`), the term counts and length, and for every term of the paper its
BM25F pseudo-frequency turned into a saturation in [0, 1) (`saturation`); phrases are counted when
asked for (and remembered). Everything here depends on the paper's text and the shipped background
statistics' average field lengths only, never on the day's other papers. `lookup` answers without
building an index: ranking reads every paper's terms but indexes only the papers a topic can match.

Acronyms a paper defines (``Retrieval-Augmented Generation (RAG)``) are expanded in that paper only:
each later use of ``RAG`` counts as an occurrence of each word of the phrase, and each use of the
phrase as one of ``RAG`` (the definition itself counts once).
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from itertools import chain
from typing import Any, Final

from bot.papers import Paper
from bot.ranking import tuning
from bot.ranking.analysis import STOPWORDS, stem, term_set, terms, words
from bot.ranking.background import background
from bot.ranking.tuning import FIELDS

INDEX_CACHE_SIZE: Final = 4096
_MEMO_SIZE: Final = 128  # phrase saturations and topic results remembered per paper
_ACRONYM = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9\-]{1,11})\s*\)")


def paper_fields(paper: Paper) -> tuple[tuple[str, ...], ...]:
    """The texts of each field of `FIELDS`: one text per field, one per keyword for the keywords."""
    return (
        (paper.title,),
        paper.ai_keywords,
        (paper.ai_summary,) if paper.ai_summary else (),
        (paper.abstract,) if paper.abstract else (),
    )


def saturation(pseudo_tf: float) -> float:
    """BM25's term-frequency saturation tf / (k1 + tf), in [0, 1) (Robertson & Zaragoza 2009, eq. 3.17)."""
    return pseudo_tf / (tuning.K1 + pseudo_tf)


class PaperIndex:
    """One paper's analysed text. Shapes: per field, `counts[f]` term -> occurrences, `lengths[f]` in
    terms; per term, `sat[t]` its BM25F saturation in [0, 1) and `where[t]` a bit mask of the fields
    it occurs in (bit f for FIELDS[f]); `tokens`, every term of the paper."""

    __slots__ = (
        "alias",
        "counts",
        "defs",
        "expand",
        "lengths",
        "matches",
        "memo",
        "sat",
        "segments",
        "spelled",
        "texts",
        "tokens",
        "version",
        "where",
    )

    def __init__(self, texts: tuple[tuple[str, ...], ...]) -> None:
        self.texts = texts
        self.segments: tuple[tuple[tuple[str, ...], ...], ...] = tuple(
            tuple(terms(t) for t in field_texts) for field_texts in texts
        )
        self.counts: tuple[Counter[str], ...] = tuple(
            Counter(chain.from_iterable(segs)) for segs in self.segments
        )
        self.lengths: tuple[int, ...] = tuple(sum(map(len, segs)) for segs in self.segments)
        # Acronyms the paper defines: acronym -> phrase, stop-word-free phrase -> acronym, and per
        # field the number of definitions.
        self.alias: dict[str, tuple[str, ...]] = {}
        self.expand: dict[tuple[str, ...], str] = {}
        self.defs: tuple[Counter[str], ...] = tuple(Counter() for _ in FIELDS)
        for f, field_texts in enumerate(texts):
            for text in field_texts:
                for acronym, phrase in _acronyms(text):
                    if self.alias.setdefault(acronym, phrase) == phrase:
                        self.expand.setdefault(_content(phrase), acronym)
                        self.defs[f][acronym] += 1
        if self.expand:
            self._expand_acronyms()
        norms = _length_norms(self.lengths)
        pseudo: dict[str, float] = {}
        where: dict[str, int] = {}
        for f, counts in enumerate(self.counts):
            scale, bit = norms[f], 1 << f
            for term, n in counts.items():
                if term in pseudo:
                    pseudo[term] += n * scale
                    where[term] |= bit
                else:
                    pseudo[term] = n * scale
                    where[term] = bit
        k1 = tuning.K1
        self.sat: dict[str, float] = {t: v / (k1 + v) for t, v in pseudo.items()}
        self.where = where
        self.tokens: frozenset[str] = frozenset(pseudo)
        self.memo: dict[tuple[str, ...], tuple[float, tuple[int, ...]]] = {}  # phrase -> (sat, counts)
        # topic text -> bot.ranking.relevance's result (a Hit or None) for background `version`
        self.matches: dict[str, Any] = {}
        self.version = -1
        self.spelled: dict[str, str] | None = None  # stem -> first word with it, built for explanations

    def field_counts(self, term: str) -> tuple[int, ...]:
        """Occurrences of one term per field (acronym uses included)."""
        return tuple(counts.get(term, 0) for counts in self.counts)

    def surface(self, term: str) -> str:
        """The paper's first word with this stem, as written (lower case), for explanations."""
        prefix = re.compile(rf"\b{re.escape(term)}\w*", re.IGNORECASE)  # most stems begin their words
        for field_texts in self.texts:
            for text in field_texts:
                for m in prefix.finditer(text):
                    word = m.group().casefold()
                    if stem(word) == term:
                        return word
        if self.spelled is None:
            spelled: dict[str, str] = {}
            for field_texts in self.texts:
                for text in field_texts:
                    for word in words(text):
                        spelled.setdefault(stem(word), word)
            self.spelled = spelled
        return self.spelled.get(term, term)

    def phrase(self, toks: tuple[str, ...]) -> tuple[float, tuple[int, ...]]:
        """BM25F saturation and per-field occurrences of the adjacent terms `toks` (or of the paper's
        acronym for them)."""
        found = self.memo.get(toks)
        if found is not None:
            return found
        common = ~0
        for t in toks:
            common &= self.where.get(t, 0)
        acronym = self.expand.get(_content(toks))
        counts = []
        for f in range(len(FIELDS)):
            n = self._phrase_hits(f, toks) if common >> f & 1 else 0
            if acronym is not None:
                n = max(n, n + self.counts[f].get(acronym, 0) - self.defs[f][acronym])
            counts.append(n)
        norms = _length_norms(self.lengths)
        result = saturation(sum(n * s for n, s in zip(counts, norms, strict=True))), tuple(counts)
        if len(self.memo) >= _MEMO_SIZE:
            self.memo.clear()
        self.memo[toks] = result
        return result

    def _phrase_hits(self, f: int, toks: tuple[str, ...]) -> int:
        """Occurrences of the adjacent terms `toks` in field `f` (never across two keywords)."""
        first, n, found = toks[0], len(toks), 0
        for seg in self.segments[f]:
            if first in seg:
                found += sum(1 for i, t in enumerate(seg) if t == first and seg[i : i + n] == toks)
        return found

    def _expand_acronyms(self) -> None:
        """Count acronym uses as uses of the phrase's words and phrase uses as uses of the acronym."""
        for acronym, phrase in self.alias.items():
            for f, counts in enumerate(self.counts):
                defs = self.defs[f][acronym]
                uses = counts.get(acronym, 0) - defs
                spelled = self._phrase_hits(f, phrase) - defs if all(t in counts for t in phrase) else 0
                if uses > 0:
                    for t in _content(phrase):
                        counts[t] += uses
                if spelled > 0:
                    counts[acronym] += spelled


def _length_norms(lengths: tuple[int, ...]) -> tuple[float, ...]:
    """Per field w_f / (1 - b_f + b_f * length / average length): BM25F's per-occurrence weight."""
    averages = background().average_lengths
    return tuple(
        w / (1.0 - b + b * n / avg) if n else 0.0
        for w, b, n, avg in zip(tuning.FIELD_WEIGHTS, tuning.FIELD_B, lengths, averages, strict=True)
    )


def _content(toks: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in toks if t not in STOPWORDS)


def _acronyms(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """``"Large Language Models (LLMs)"`` -> ``[("llm", ("larg", "languag", "model"))]``: an acronym in
    brackets (two capitals or more) after words whose initials spell it."""
    found: list[tuple[str, tuple[str, ...]]] = []
    if "(" not in text:
        return found
    for m in _ACRONYM.finditer(text):
        raw = m.group(1)
        if sum(map(str.isupper, raw)) < 2:
            continue
        letters = raw.replace("-", "").casefold()
        if raw.endswith("s") and len(letters) > 2:
            letters = letters[:-1]
        before = words(text[max(0, m.start() - 120) : m.start()])
        for n in range(2, min(len(before), len(letters) + 3) + 1):
            window = before[-n:]
            if window[0] not in STOPWORDS and _initials(letters, window):
                phrase = tuple(stem(w) for w in window)
                if len(_content(phrase)) >= 2:
                    found.append((stem(letters), phrase))
                break
    return found


def _initials(letters: str, window: list[str]) -> bool:
    """Can `letters` be spelled by prefixes of consecutive words (stop words may be skipped)?"""
    if not window:
        return not letters
    if not letters:
        return False
    word = window[0]
    for k in range(min(len(letters), len(word)), 0, -1):
        if word.startswith(letters[:k]) and _initials(letters[k:], window[1:]):
            return True
    return word in STOPWORDS and _initials(letters, window[1:])


_INDEXES: OrderedDict[tuple[tuple[str, ...], ...], PaperIndex] = OrderedDict()  # least recently used first


def paper_index(paper: Paper) -> PaperIndex:
    """The paper's index, cached (bounded LRU, `INDEX_CACHE_SIZE`) by its text, so new upvote counts
    reuse it."""
    texts = paper_fields(paper)
    idx = _INDEXES.get(texts)
    if idx is None:
        idx = _INDEXES[texts] = PaperIndex(texts)
        _TERMS.pop(texts, None)
        if len(_INDEXES) > INDEX_CACHE_SIZE:
            _INDEXES.popitem(last=False)
    else:
        _INDEXES.move_to_end(texts)
    return idx


_TERMS: OrderedDict[tuple[tuple[str, ...], ...], frozenset[str]] = OrderedDict()  # papers not indexed


def lookup(paper: Paper) -> tuple[PaperIndex | None, frozenset[str]]:
    """The paper's index if cached (without building one), and its terms: from the index, else from a
    lighter cache (bounded like the indexes) that analyses the text once without indexing it. Ranking
    reads the terms of every paper (the background blend, the pre-filter) but indexes only those some
    topic can match."""
    texts = paper_fields(paper)
    idx = _INDEXES.get(texts)
    if idx is not None:
        return idx, idx.tokens
    found = _TERMS.get(texts)
    if found is None:
        found = _TERMS[texts] = term_set(" ".join(text for field in texts for text in field))
        if len(_TERMS) > INDEX_CACHE_SIZE:
            _TERMS.popitem(last=False)
    return None, found


def clear_index_cache() -> None:
    """Forget every cached paper index and term set (tests and benchmarks use it to measure cold runs)."""
    _INDEXES.clear()
    _TERMS.clear()
