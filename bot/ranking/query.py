"""Topic queries: the small search language people type in chat, parsed into a `TopicQuery`.

The language
------------
- ``word``: a word to look for. ``text-to-image`` (a word with hyphens or other punctuation inside) is
  a short phrase whose parts must be adjacent: it matches "text-to-image" and "text to image" alike.
- ``"quoted phrase"``: the words must appear next to each other, in this order. Curly quotes work too.
- ``-word`` / ``-"a phrase"``: exclusion. A paper that mentions it anywhere (title, abstract, AI
  keywords, AI summary), even once, is never matched.
- ``OR`` (any case, since "or" is useless as a search word): separates alternatives.
- Space means AND, and AND binds tighter than OR, so ``LLM agents OR robotics`` is
  ``(LLM AND agents) OR robotics``. Exclusions apply to the whole query wherever they are typed:
  ``diffusion OR "flow matching" -video`` is ``(diffusion OR "flow matching") AND NOT video``.
  Brackets are not supported (and say so when used with OR); ``AND`` / ``+word`` are accepted and
  mean the same as a space; ``NOT`` is refused with a hint to use ``-word``.
- Very common words (``the``, ``of``, ``for``, ...) are ignored outside quotes.
- A few very common ML words, unquoted, also accept related terms from a small lexicon
  (`bot.ranking.related`): ``efficient`` also finds "speedup", "latency", "throughput",
  "quantization", ...; ``inference`` also finds "decoding" and "serving". Such a match counts a little
  less (`RELATED_WEIGHT`) and must still reach the match threshold. Quoted words and phrases
  (``"efficient inference"``) and exclusions stay exact.

Words and phrases are normalised as papers are (`bot.ranking.text_index.normalise`); whether a paper
matches a query is `bot.ranking.topics.match`. Related terms compile into extra alternatives (variants)
that use a concept token (``~efficient``) instead of the word, at most `MAX_VARIANTS` per query; they do
not change `TopicQuery.key` or count towards `MAX_TERMS`.

Limits, each refused with a `QueryError` whose message can be shown as is: empty queries, queries
longer than `MAX_QUERY_LENGTH` characters, more than `MAX_TERMS` words/phrases, only exclusions,
unclosed quotes, a dangling OR, brackets with OR, a term both wanted and excluded, excluding only
common words.

Parsed queries are cached (bounded), keyed by the text as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Final

from bot.ranking.related import MAX_EXPANDED_WORDS, MAX_VARIANTS, RELATED_WEIGHT
from bot.ranking.text_index import CONCEPT_OF, STOPWORDS, normalise

MAX_QUERY_LENGTH: Final = 100
MAX_TERMS: Final = 10
QUERY_CACHE_SIZE: Final = 4096

_QUOTES = frozenset('"“”„«»')


class QueryError(ValueError):
    """A topic query that cannot be used; ``str(error)`` is a friendly message for the user."""


@dataclass(frozen=True, slots=True)
class _Term:
    typed: str  # as the user typed it, without quotes or minus
    toks: tuple[str, ...]  # normalised tokens, adjacent in a paper for a phrase


@dataclass(frozen=True, slots=True)
class _Alternative:
    required: frozenset[str]  # every token a paper must contain (cheap pre-filter)
    words: tuple[str, ...]  # single-token terms scored on their own
    loose: tuple[str, ...]  # unquoted words typed together (two or more), scored as a loose phrase
    phrases: tuple[tuple[str, ...], ...]  # quoted phrases and hyphenated words
    typed: tuple[str, ...]  # the terms as typed, for TopicMatch.terms
    terms: tuple[tuple[str, ...], ...]  # the terms normalised, in the same order
    # Variants from related terms (bot.ranking.related): evidence is multiplied by `weight`, `group` is
    # the position of the alternative as typed, `swapped` the (term position, concept token) replaced.
    expandable: tuple[int, ...] = ()  # positions in `terms` of unquoted words with related terms
    weight: float = 1.0
    group: int = 0
    swapped: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class TopicQuery:
    """A parsed topic. Equal (and hashed) by `text`, the whitespace-normalised query as typed."""

    text: str
    _alternatives: tuple[_Alternative, ...] = field(default=(), init=False, repr=False, compare=False)
    _exclusions: tuple[_Term, ...] = field(default=(), init=False, repr=False, compare=False)
    # Per alternative as typed, the tokens any of its variants needs (`candidates`' pre-filter).
    _prefilter: tuple[frozenset[str], ...] = field(default=(), init=False, repr=False, compare=False)
    # Set when the whole query is a single word (the most common shape, with a fast path).
    _word: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text, typed_alternatives, exclusions = _compile(self.text)
        alternatives = tuple(replace(alt, group=i) for i, alt in enumerate(typed_alternatives))
        variants, prefilter = _variants(alternatives)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "_alternatives", alternatives + variants)
        object.__setattr__(self, "_exclusions", exclusions)
        object.__setattr__(self, "_prefilter", prefilter)
        only = alternatives[0]
        if (
            len(alternatives) == 1
            and not variants
            and not exclusions
            and len(only.words) == 1
            and len(only.terms) == 1
        ):
            object.__setattr__(self, "_word", only.words[0])

    @classmethod
    def parse(cls, text: str) -> TopicQuery:
        """Parse what a user typed; raises `QueryError` with a message meant for them."""
        if not isinstance(text, str):
            raise QueryError("A topic must be text.")
        return _parse_cached(text)

    @property
    def key(self) -> str:
        """A canonical form for spotting duplicates: ``"LLMs  Agents"`` and ``"llm agents"`` share it."""

        def show(toks: tuple[str, ...]) -> str:
            return toks[0] if len(toks) == 1 else '"' + " ".join(toks) + '"'

        def alternative(alt: _Alternative) -> str:
            loose = ["+".join(sorted(alt.loose))] if alt.loose else []  # the loose phrase is one unit
            return " ".join(
                sorted(loose + [show(t) for t in alt.terms if len(t) > 1 or t[0] not in alt.loose])
            )

        alts = sorted(alternative(alt) for alt in self._alternatives if alt.weight == 1.0)
        excl = sorted("-" + show(t.toks) for t in self._exclusions)
        return " ".join([" OR ".join(alts), *excl])

    def __str__(self) -> str:
        return self.text

    def candidates(self, token_sets: list[frozenset[str]]) -> list[int]:
        """Positions in `token_sets` (papers' `tokens`) that contain every word of some alternative
        (or a related term in its place: a concept token is present wherever its head word is)."""
        if len(self._prefilter) == 1:
            required = self._prefilter[0]
            return [k for k, tokens in enumerate(token_sets) if required <= tokens]
        found: set[int] = set()
        for required in self._prefilter:
            found.update(k for k, tokens in enumerate(token_sets) if required <= tokens)
        return sorted(found)


@lru_cache(maxsize=QUERY_CACHE_SIZE)
def _parse_cached(text: str) -> TopicQuery:
    return TopicQuery(text)


@dataclass(frozen=True, slots=True)
class _Lexeme:
    kind: str  # "word", "phrase" or "or"
    text: str
    negated: bool = False


def _lex(text: str) -> list[_Lexeme]:
    lexemes: list[_Lexeme] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        negated = False
        if c in "-+" and i + 1 < n and text[i + 1] in _QUOTES:
            negated, i, c = c == "-", i + 1, text[i + 1]
        if c in _QUOTES:
            end = next((j for j in range(i + 1, n) if text[j] in _QUOTES), -1)
            if end < 0:
                raise QueryError(f'A quote is not closed in “{text}”: put a " at the end of the phrase.')
            phrase = " ".join(text[i + 1 : end].split())
            if not phrase:
                raise QueryError(
                    'There is an empty pair of quotes: put a phrase between them, e.g. "flow matching".'
                )
            lexemes.append(_Lexeme("phrase", phrase, negated))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in _QUOTES:
            j += 1
        word = text[i:j]
        i = j
        upper = word.upper()
        if upper in ("OR", "|", "||"):
            lexemes.append(_Lexeme("or", word))
        elif upper in ("AND", "&", "&&", "+"):
            continue
        elif upper == "NOT":
            raise QueryError(
                "Use a minus sign to exclude something: “diffusion -video”, not “diffusion NOT video”."
            )
        elif word == "-":
            raise QueryError(
                "Put the minus sign right before the word to exclude, without a space: “-video”."
            )
        elif word.startswith("-"):
            lexemes.append(_Lexeme("word", word[1:], True))
        else:
            lexemes.append(_Lexeme("word", word.removeprefix("+")))
    return lexemes


def _compile(raw: str) -> tuple[str, tuple[_Alternative, ...], tuple[_Term, ...]]:
    if not isinstance(raw, str):
        raise QueryError("A topic must be text.")
    text = " ".join(raw.split())
    if not text:
        raise QueryError('The topic is empty: type a word or a "quoted phrase", e.g. diffusion.')
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"That topic is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}. "
            "Use fewer words, or split it into several topics."
        )
    lexemes = _lex(text)
    if any(lx.kind == "or" for lx in lexemes) and any(c in "()" for c in text.replace('"', "")):
        outside = "".join(part for k, part in enumerate(re.split(r"[\"“”„«»]", text)) if k % 2 == 0)
        if "(" in outside or ")" in outside:
            raise QueryError(
                "Brackets aren't supported. Space means AND and binds tighter than OR, so write "
                "“(a OR b) c” as “a c OR b c”."
            )
    groups: list[list[_Lexeme]] = [[]]
    for lx in lexemes:
        if lx.kind == "or":
            groups.append([])
        else:
            groups[-1].append(lx)
    if not lexemes and any(c.isalnum() for c in text):
        raise QueryError("AND, OR and NOT are operators: add a word or a phrase to search for.")
    if len(groups) > 1 and any(not g for g in groups):
        raise QueryError('OR needs a word or phrase on each side, e.g. diffusion OR "flow matching".')

    exclusions: dict[tuple[str, ...], _Term] = {}
    for lx in lexemes:
        if lx.kind != "or" and lx.negated:
            toks = normalise(lx.text)
            if toks:
                if all(t in STOPWORDS for t in toks):
                    raise QueryError(
                        f"Excluding “{lx.text}” would hide almost every paper; exclude a rarer word."
                    )
                exclusions.setdefault(toks, _Term(lx.text, toks))

    alternatives: list[_Alternative] = []
    seen_terms: set[tuple[str, ...]] = set()
    n_terms = len(exclusions)
    for group in groups:
        positives = [lx for lx in group if not lx.negated]
        if not positives:
            if len(groups) > 1:
                raise QueryError(
                    "Each side of OR needs something to look for; exclusions like -video apply to the whole topic."
                )
            if exclusions:
                raise QueryError(
                    "A topic needs at least one word or phrase to look for, not only exclusions "
                    f"(e.g. “diffusion {' '.join('-' + t.typed for t in exclusions.values())}”)."
                )
            raise QueryError("The topic has no letters or digits to search for.")
        alt = _alternative(positives)
        if alt is None:
            continue
        for toks in alt.terms:
            if toks in exclusions:
                raise QueryError(
                    f"“{exclusions[toks].typed}” is both wanted and excluded; keep one of the two."
                )
            if toks not in seen_terms:
                seen_terms.add(toks)
                n_terms += 1
        alternatives.append(alt)
    if not alternatives:
        raise QueryError("The topic has no letters or digits to search for.")
    if n_terms > MAX_TERMS:
        raise QueryError(
            f"That topic has {n_terms} words or phrases; the limit is {MAX_TERMS}. Split it into several topics."
        )
    return text, tuple(alternatives), tuple(exclusions.values())


def _variants(
    alternatives: tuple[_Alternative, ...],
) -> tuple[tuple[_Alternative, ...], tuple[frozenset[str], ...]]:
    """Extra alternatives in which unquoted words with related terms (`bot.ranking.related`) are
    replaced by their concept token: one per non-empty subset of those words, fewest replacements first,
    weighted by `RELATED_WEIGHT`; at most `MAX_EXPANDED_WORDS` words per alternative
    and `MAX_VARIANTS` variants per query (the rest stay exact). Also, per alternative as typed, the
    tokens every one of its versions needs: a concept token is present wherever its head word is, so
    the version replacing every expanded word is the loosest."""
    variants: list[_Alternative] = []
    prefilter = [alt.required for alt in alternatives]
    for group, alt in enumerate(alternatives):
        expandable = [(i, alt.terms[i][0]) for i in alt.expandable[:MAX_EXPANDED_WORDS]]
        subsets = [
            [e for b, e in enumerate(expandable) if n >> b & 1] for n in range(1, 1 << len(expandable))
        ]
        subsets.sort(key=len)
        swapped_any: dict[str, str] = {}
        for subset in subsets:
            if len(variants) >= MAX_VARIANTS:
                break
            swap = {tok: CONCEPT_OF[tok] for _, tok in subset}
            swapped_any.update(swap)
            variants.append(_swapped(alt, swap, group, tuple((i, swap[tok]) for i, tok in subset)))
        if swapped_any:
            prefilter[group] = _swapped(alt, swapped_any, group, ()).required
    return tuple(variants), tuple(prefilter)


def _swapped(
    alt: _Alternative, swap: dict[str, str], group: int, swapped: tuple[tuple[int, str], ...]
) -> _Alternative:
    words = tuple(swap.get(w, w) for w in alt.words)
    loose = tuple(swap.get(w, w) for w in alt.loose)
    return _Alternative(
        required=frozenset((*words, *loose, *(t for toks in alt.phrases for t in toks))),
        words=words,
        loose=loose,
        phrases=alt.phrases,
        typed=alt.typed,
        terms=alt.terms,
        weight=RELATED_WEIGHT if swapped else 1.0,
        group=group,
        swapped=swapped,
    )


def _alternative(positives: list[_Lexeme]) -> _Alternative | None:
    """One side of OR: unquoted words (a loose phrase when two or more), quoted words, phrases."""
    terms: dict[tuple[str, ...], tuple[str, bool]] = {}  # normalised -> (typed, unquoted single word)
    common: dict[tuple[str, ...], tuple[str, bool]] = {}
    for lx in positives:
        toks = normalise(lx.text)
        if not toks:
            continue
        unquoted_word = len(toks) == 1 and lx.kind == "word"
        if unquoted_word and (lx.text.casefold() in STOPWORDS or toks[0] in STOPWORDS):
            common.setdefault(toks, (lx.text, True))
        else:
            terms.setdefault(toks, (lx.text, unquoted_word))
    terms = terms or common  # a topic made only of common words searches for them anyway
    if not terms:
        return None
    unquoted = [toks[0] for toks, (_, plain) in terms.items() if plain]
    loose = tuple(unquoted) if len(unquoted) >= 2 else ()
    words = tuple(toks[0] for toks in terms if len(toks) == 1 and toks[0] not in loose)
    phrases = tuple(toks for toks in terms if len(toks) > 1)
    return _Alternative(
        required=frozenset(t for toks in terms for t in toks),
        words=words,
        loose=loose,
        phrases=phrases,
        typed=tuple(typed for typed, _ in terms.values()),
        terms=tuple(terms),
        expandable=tuple(
            i for i, (toks, (_, plain)) in enumerate(terms.items()) if plain and toks[0] in CONCEPT_OF
        ),
    )
