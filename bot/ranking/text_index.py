"""Paper text, tokenised once: normalisation, the light stemmer, acronyms and the per-paper index.

Normalisation (the same for queries and papers)
-----------------------------------------------
Case-folded; split on anything that is not a letter or digit (so hyphens and slashes separate words);
then a deliberately light stemmer: plurals (``LLMs``->``llm``, ``queries``->``query``,
``approaches``->``approach``), ``-ency``/``-ence`` -> ``-ent`` (``efficiency`` ~ ``efficient``,
except ``latency``), ``-ic`` on long words (``robotic(s)`` ~ ``robot``, ``agentic`` ~ ``agent``),
British spellings (``-ise``, ``-our``, ``-lled``) and a final ``e``. No synonym lists beyond two
narrow ones: acronyms a paper defines itself (``Retrieval-Augmented Generation (RAG)`` makes ``RAG``
and the phrase count for each other in that paper), and the small lexicon of related terms in
`bot.ranking.related`, normalised here: each concept (``efficient``: ``faster``, ``latency``, ...) is
one more token of the index, ``~efficient``, found wherever the head word or a related term is.

Evidence
--------
The index precomputes each token's evidence, so the field weights and caps, `ABSTRACT_ONLY_FACTOR`
and `LOOSE_WEAKEST` live here; what they mean for matching is described in `bot.ranking.topics`.

Speed
-----
Every paper's text is tokenised once into a `PaperIndex` (token set, per-word evidence, positions),
cached in a bounded LRU keyed by the paper's text fields, so upvote refreshes reuse it. Matching a
query is then mostly a frozenset subset test (`TopicQuery.candidates` runs it over a whole batch);
positions are only read for phrases and loose phrases of papers that contain all their words. Each
index also remembers (bounded) its phrase evidences and its result per topic text, as both depend
only on the paper's text and the topic: the fan-out meets the same topics in thousands of channels.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from bot.papers import Paper
from bot.ranking.related import CONCEPT_PREFIX, LEXICON

if TYPE_CHECKING:
    from bot.ranking.topics import Hit

INDEX_CACHE_SIZE: Final = 4096

FIELD_WEIGHTS: Final = (3.0, 2.5, 1.5, 1.0)
FIELD_CAPS: Final = (1, 2, 2, 4)
_KEYWORDS = 1  # in that field, count keywords containing a term, not occurrences
_ABSTRACT_BIT = 1 << 3
ABSTRACT_ONLY_FACTOR: Final = 0.5
LOOSE_WEAKEST: Final = 2 / 3
_MEMO_SIZE = 64  # phrase evidences remembered per paper
_SEG_SHIFT = 16  # a position is (segment << 16) | token offset; keywords are one segment each
_SEG_MASK = (1 << _SEG_SHIFT) - 1

_WORD = re.compile(r"[^\W_]+")
_ACRONYM = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9\-]{1,11})\s*\)")

# Ignored outside quotes (and in acronym definitions); "or"/"and"/"not" are operators, see bot.ranking.query.
STOPWORDS: Final = frozenset(
    {
        "a", "an", "the", "of", "for", "in", "on", "at", "to", "with", "by", "from", "via", "into", "onto",
        "as", "is", "are", "be", "was", "were", "its", "it", "this", "that", "these", "those", "we", "our",
        "using", "towards", "toward", "vs", "versus", "s",
    }
)  # fmt: skip
# Singular words ending in "s" that the plural rule must leave alone.
_KEEP_S = frozenset(
    ("bias", "lens", "atlas", "canvas", "alias", "chaos", "cosmos", "ethos", "gas", "news", "thus")
)
# "-ency" words whose "-ent" form means something else.
_KEEP_ENCY = frozenset(("latency", "currency", "emergency", "agency"))


# --- normalisation ------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Light stemming of one case-folded token (see the module docstring)."""
    if len(word) <= 3 or not word.isalpha() or word in _KEEP_S:
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses") or (w.endswith(("ches", "shes", "xes", "zes")) and len(w) > 4):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ic") and len(w) >= 7:
        w = w[:-2]
    elif w.endswith(("ency", "ence")) and len(w) > 6 and w not in _KEEP_ENCY:
        w = w[:-4] + "ent"
    if w.endswith(("isation", "ise", "ised", "iser", "ising")) and len(w) > 5:
        i = w.rfind("is")
        w = w[:i] + "iz" + w[i + 2 :]
    elif w.endswith("our") and len(w) >= 6:
        w = w[:-3] + "or"
    elif w.endswith(("lling", "lled", "ller")) and len(w) > 7:
        i = w.rfind("ll")
        w = w[:i] + w[i + 1 :]
    if w.endswith("e") and len(w) > 3 and not w.endswith("ee"):
        w = w[:-1]
    return w


def normalise(text: str) -> tuple[str, ...]:
    """``"Efficient LLMs for text-to-image"`` -> ``('efficient', 'llm', 'for', 'text', 'to', 'imag')``."""
    return tuple(map(stem, _WORD.findall(text.casefold())))


# --- related terms (bot.ranking.related), normalised -------------------------------------------------


def _related_tables() -> tuple[dict[str, str], dict[str, frozenset[str]], dict[str, str]]:
    heads: dict[str, str] = {}  # normalised head word -> its concept token ("efficient" -> "~efficient")
    forms: dict[str, frozenset[str]] = {}  # concept token -> normalised head word and related terms
    shown: dict[str, str] = {}  # normalised related term -> as written in the lexicon, for people
    for head, related in LEXICON.items():
        (token,) = normalise(head)
        concept = heads[token] = CONCEPT_PREFIX + token
        toks = {token}
        for word in related:
            (tok,) = normalise(word)  # single words only: a phrase would need positions of its own
            toks.add(tok)
            shown.setdefault(tok, word)
        forms[concept] = frozenset(toks)
    return heads, forms, shown


CONCEPT_OF, CONCEPT_FORMS, RELATED_SHOWN = _related_tables()
_RELATED_FORMS = frozenset().union(*CONCEPT_FORMS.values())
_CONCEPTS_OF = {t: tuple(c for c, toks in CONCEPT_FORMS.items() if t in toks) for t in sorted(_RELATED_FORMS)}


# --- the per-paper index ----------------------------------------------------------------------------


class PaperIndex:
    """A paper's text, tokenised once: what every match reads instead of the raw strings."""

    __slots__ = (
        "alias",
        "defs",
        "ev",
        "expand",
        "has_ai",
        "matches",
        "memo",
        "pos",
        "segs",
        "tokens",
        "where",
    )

    def __init__(self, title: str, keywords: tuple[str, ...], summary: str, abstract: str) -> None:
        texts = ((title,), keywords, (summary,) if summary else (), (abstract,) if abstract else ())
        self.has_ai = bool(keywords or summary)
        self.segs: tuple[tuple[tuple[str, ...], ...], ...] = tuple(
            tuple(normalise(t) for t in field_texts) for field_texts in texts
        )
        self.pos: tuple[dict[str, list[int]], ...] = tuple(_positions(segs) for segs in self.segs)
        for pos in self.pos:
            _add_concepts(pos)
        self.tokens: frozenset[str] = frozenset().union(*self.pos)
        # Acronyms the paper defines: acronym -> full phrase, stopword-free phrase -> acronym, and per
        # field how many definitions there are (a definition mentions both forms but counts once).
        self.alias: dict[str, tuple[str, ...]] = {}
        self.expand: dict[tuple[str, ...], str] = {}
        self.defs: tuple[dict[str, int], ...] = tuple({} for _ in texts)
        for f, field_texts in enumerate(texts):
            for text in field_texts:
                for acronym, phrase in _acronyms(text):
                    if self.alias.setdefault(acronym, phrase) == phrase:
                        self.expand.setdefault(_content(phrase), acronym)
                        self.defs[f][acronym] = self.defs[f].get(acronym, 0) + 1
        # Evidence and field mask of every single token, so matching a word is two dict lookups.
        # (Inlined rather than calling _evidence per token: this loop is most of the index build.)
        ev: dict[str, float] = {}
        where: dict[str, int] = {}
        for f, pos in enumerate(self.pos):
            weight, cap, bit = FIELD_WEIGHTS[f], FIELD_CAPS[f], 1 << f
            for tok, hits in pos.items():
                n = len({p >> _SEG_SHIFT for p in hits}) if f == _KEYWORDS else len(hits)
                value = weight * (n if n < cap else cap)
                if tok in ev:
                    ev[tok] += value
                    where[tok] |= bit
                else:
                    ev[tok] = value
                    where[tok] = bit
        if self.has_ai:
            for tok, mask in where.items():
                if mask == _ABSTRACT_BIT:
                    ev[tok] *= ABSTRACT_ONLY_FACTOR
        for acronym, phrase in self.alias.items():
            counts = [self._count_with(f, self.phrase_hits(f, phrase), acronym) for f in range(4)]
            ev[acronym], where[acronym] = self._evidence(counts)
        self.ev, self.where = ev, where
        self.memo: dict[tuple[str, ...], tuple[float, int]] = {}  # phrase / loose-phrase evidence
        self.matches: dict[str, Hit | None] = {}  # topic text -> match_entry() result

    def _evidence(self, counts: list[int]) -> tuple[float, int]:
        """Weighted, capped evidence of per-field counts, and the mask of fields with a hit."""
        total, mask = 0.0, 0
        for f, n in enumerate(counts):
            if n > 0:
                total += FIELD_WEIGHTS[f] * min(n, FIELD_CAPS[f])
                mask |= 1 << f
        if mask == _ABSTRACT_BIT and self.has_ai:
            total *= ABSTRACT_ONLY_FACTOR  # the AI keywords/summary and title all leave it out: peripheral
        return total, mask

    def phrase_hits(self, f: int, toks: tuple[str, ...]) -> list[int]:
        """Positions in field `f` where the tokens `toks` occur adjacently, in order."""
        first = self.pos[f].get(toks[0])
        if not first:
            return []
        n, segs = len(toks), self.segs[f]
        return [p for p in first if segs[p >> _SEG_SHIFT][p & _SEG_MASK : (p & _SEG_MASK) + n] == toks]

    def near_hits(self, f: int, words: tuple[str, ...]) -> list[int]:
        """Positions in field `f` where all `words` occur within ``len(words) + 1`` tokens of each other."""
        pos = self.pos[f]
        lists = []
        for w in words:
            hits = pos.get(w)  # may be absent where only the paper's acronym for it occurs
            if not hits:
                return []
            lists.append(hits)
        lists.sort(key=len)
        window = len(words) + 1
        anchor, others = lists[0], lists[1:]
        found = []
        for p in anchor:
            for other in others:
                i = bisect_left(other, p - window)
                if i == len(other) or other[i] > p + window:
                    break
            else:
                found.append(p)
        return found

    def phrase_evidence(self, toks: tuple[str, ...]) -> tuple[float, int]:
        """Evidence and field mask of a phrase (adjacent tokens, or the paper's acronym for it)."""
        cached = self.memo.get(toks)
        if cached is not None:
            return cached
        acronym = self.expand.get(_content(toks))
        common = ~0
        for t in toks:
            common &= self.where.get(t, 0)
        counts = [0, 0, 0, 0]
        for f in range(4):
            hits = self.phrase_hits(f, toks) if common >> f & 1 else []
            counts[f] = self._count(f, hits, acronym)
        return self._remember(toks, self._evidence(counts))

    def loose_evidence(self, words: tuple[str, ...]) -> tuple[float, int]:
        """Unquoted words typed together: their proximity hits plus `LOOSE_WEAKEST` x the weakest word."""
        key = ("", *words)  # cannot collide with a phrase: no token is empty
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        ev, where = self.ev, self.where
        weakest = min(ev.get(w, 0.0) for w in words)
        mask, common = 0, ~0
        for w in words:
            mask |= where.get(w, 0)
            common &= where.get(w, 0)
        acronym = self.expand.get(words)
        counts = [0, 0, 0, 0]
        for f in range(4):
            hits = self.near_hits(f, words) if common >> f & 1 else []
            counts[f] = self._count(f, hits, acronym)
        near, near_mask = self._evidence(counts)
        return self._remember(key, (near + LOOSE_WEAKEST * weakest, mask | near_mask))

    def _remember(self, key: tuple[str, ...], value: tuple[float, int]) -> tuple[float, int]:
        if len(self.memo) >= _MEMO_SIZE:
            self.memo.clear()
        self.memo[key] = value
        return value

    def _count(self, f: int, hits: list[int], acronym: str | None) -> int:
        if acronym is not None:
            return self._count_with(f, hits, acronym)
        return len({p >> _SEG_SHIFT for p in hits}) if f == _KEYWORDS else len(hits)

    def _count_with(self, f: int, hits: list[int], acronym: str) -> int:
        """Count phrase `hits` in field `f` together with uses of the paper's acronym for that phrase."""
        acr_hits = self.pos[f].get(acronym, [])
        if f == _KEYWORDS:
            return len({p >> _SEG_SHIFT for p in hits} | {p >> _SEG_SHIFT for p in acr_hits})
        if not acr_hits:
            return len(hits)
        return max(len(hits) + len(acr_hits) - self.defs[f].get(acronym, 0), len(hits), len(acr_hits))


def _positions(segments: tuple[tuple[str, ...], ...]) -> dict[str, list[int]]:
    pos: dict[str, list[int]] = {}
    for s, toks in enumerate(segments):
        base = s << _SEG_SHIFT
        for i, tok in enumerate(toks[:_SEG_MASK], base):
            if tok in pos:
                pos[tok].append(i)
            else:
                pos[tok] = [i]
    return pos


def _add_concepts(pos: dict[str, list[int]]) -> None:
    """Give a field's positions a ``~concept`` token wherever a head word or related term occurs."""
    found = _RELATED_FORMS.intersection(pos)
    if not found:
        return
    merged: dict[str, list[list[int]]] = {}
    for tok in found:
        for concept in _CONCEPTS_OF[tok]:
            if concept in merged:
                merged[concept].append(pos[tok])
            else:
                merged[concept] = [pos[tok]]
    for concept, lists in merged.items():
        pos[concept] = lists[0] if len(lists) == 1 else sorted(p for hits in lists for p in hits)


def _content(toks: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in toks if t not in STOPWORDS)


def _acronyms(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """``"Large Language Models (LLMs)"`` -> ``[("llm", ("larg", "languag", "model"))]``."""
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
        words = _WORD.findall(text[max(0, m.start() - 120) : m.start()].casefold())
        for n in range(2, min(len(words), len(letters) + 3) + 1):
            window = words[-n:]
            if window[0] not in STOPWORDS and _initials(letters, window):
                phrase = tuple(stem(w) for w in window)
                if len(_content(phrase)) >= 2:
                    found.append((stem(letters), phrase))
                break
    return found


def _initials(letters: str, words: list[str]) -> bool:
    """Can `letters` be spelled by prefixes of consecutive `words` (common words may be skipped)?"""
    if not words:
        return not letters
    if not letters:
        return False
    word = words[0]
    for k in range(min(len(letters), len(word)), 0, -1):
        if word.startswith(letters[:k]) and _initials(letters[k:], words[1:]):
            return True
    return word in STOPWORDS and _initials(letters, words[1:])


@lru_cache(maxsize=INDEX_CACHE_SIZE)
def _index(title: str, keywords: tuple[str, ...], summary: str, abstract: str) -> PaperIndex:
    return PaperIndex(title, keywords, summary, abstract)


def paper_index(paper: Paper) -> PaperIndex:
    """The paper's cached text index (keyed by its text, so new upvote counts reuse it)."""
    return _index(paper.title, paper.ai_keywords, paper.ai_summary or "", paper.abstract)


def clear_index_cache() -> None:
    """Forget every cached paper index (tests and benchmarks use it to measure cold runs)."""
    _index.cache_clear()
