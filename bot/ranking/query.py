"""Topic queries: the small search language people type in chat, parsed into a `TopicQuery`.

The language
------------
- ``word``: a word to look for. Unquoted words typed together all count, each by how rare it is
  among papers (a search engine's soft AND: ``diffusion models`` needs "diffusion" far more than the
  common "models"). ``text-to-image`` (a word with hyphens or other punctuation inside) is a short
  phrase whose parts must be adjacent: it matches "text-to-image" and "text to image" alike.
- ``"quoted phrase"``: the words must appear next to each other, in this order, and must be present:
  quoting one word (``"speech" agents``) makes that word required.
- ``-word`` / ``-"a phrase"``: exclusion. A paper that mentions it anywhere (title, abstract, AI
  keywords, AI summary), even once, is never matched.
- ``OR`` (any case, since "or" is useless as a search word): separates alternatives; a paper matches
  when one of them does.
- Space means AND, and AND binds tighter than OR, so ``LLM agents OR robotics`` is
  ``(LLM AND agents) OR robotics``. Exclusions apply to the whole query wherever they are typed:
  ``diffusion OR "flow matching" -video`` is ``(diffusion OR "flow matching") AND NOT video``.
  Brackets are not supported (and say so when used with OR); ``AND`` / ``+word`` are accepted and
  mean the same as a space; ``NOT`` is refused with a hint to use ``-word``.
- Very common words (``the``, ``of``, ``for``, ...) are ignored outside quotes.

Words and phrases are analysed as papers are (`bot.ranking.analysis.terms`); how a paper is scored
against a query is `bot.ranking.relevance`.

Limits, each refused with a `QueryError` whose message can be shown as is: empty queries, queries
longer than `MAX_QUERY_LENGTH` characters, more than `MAX_TERMS` words/phrases, only exclusions,
unclosed quotes, a dangling OR, brackets with OR, a term both wanted and excluded, excluding only
common words. Parsed queries are cached (bounded), keyed by the text as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from bot.ranking.analysis import STOPWORDS, terms

MAX_QUERY_LENGTH: Final = 100
MAX_TERMS: Final = 10
QUERY_CACHE_SIZE: Final = 4096

_QUOTES = frozenset('"“”„«»')


class QueryError(ValueError):
    """A topic query that cannot be used; ``str(error)`` is a friendly message for the user."""


@dataclass(frozen=True, slots=True)
class Term:
    """One word or phrase of a query: `toks` are its analysed terms (adjacent in a paper when more
    than one); `exact` when quoted (then it must occur)."""

    typed: str  # as the user typed it, without quotes or minus
    toks: tuple[str, ...]
    exact: bool = False


@dataclass(frozen=True)
class TopicQuery:
    """A parsed topic. Equal (and hashed) by `text`, the whitespace-normalised query as typed.

    `alternatives` are the sides of OR, each a tuple of `Term`s that all count; `exclusions` apply to
    every alternative."""

    text: str
    alternatives: tuple[tuple[Term, ...], ...] = field(default=(), init=False, repr=False, compare=False)
    exclusions: tuple[Term, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text, alternatives, exclusions = _compile(self.text)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "alternatives", alternatives)
        object.__setattr__(self, "exclusions", exclusions)

    @classmethod
    def parse(cls, text: str) -> TopicQuery:
        """Parse what a user typed; raises `QueryError` with a message meant for them."""
        if not isinstance(text, str):
            raise QueryError("A topic must be text.")
        return _parse_cached(text)

    @property
    def key(self) -> str:
        """A canonical form for spotting duplicates: ``"LLMs  Agents"`` and ``"llm agents"`` share it."""

        def show(term: Term, alone: bool) -> str:
            text = "-".join(term.toks) if len(term.toks) > 1 and not term.exact else " ".join(term.toks)
            return f'"{text}"' if term.exact and (len(term.toks) > 1 or not alone) else text

        alts = sorted(" ".join(sorted(show(t, len(alt) == 1) for t in alt)) for alt in self.alternatives)
        excl = sorted("-" + show(t, True) for t in self.exclusions)
        return " ".join([" OR ".join(alts), *excl])

    def __str__(self) -> str:
        return self.text


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


def _compile(raw: str) -> tuple[str, tuple[tuple[Term, ...], ...], tuple[Term, ...]]:
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

    exclusions: dict[tuple[str, ...], Term] = {}
    for lx in lexemes:
        if lx.kind != "or" and lx.negated:
            toks = terms(lx.text)
            if toks:
                if all(t in STOPWORDS for t in toks):
                    raise QueryError(
                        f"Excluding “{lx.text}” would hide almost every paper; exclude a rarer word."
                    )
                exclusions.setdefault(toks, Term(lx.text, toks, exact=True))

    alternatives: list[tuple[Term, ...]] = []
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
        alternative = _alternative(positives)
        if not alternative:
            continue
        for term in alternative:
            if term.toks in exclusions:
                raise QueryError(
                    f"“{exclusions[term.toks].typed}” is both wanted and excluded; keep one of the two."
                )
            if term.toks not in seen_terms:
                seen_terms.add(term.toks)
                n_terms += 1
        alternatives.append(alternative)
    if not alternatives:
        raise QueryError("The topic has no letters or digits to search for.")
    if n_terms > MAX_TERMS:
        raise QueryError(
            f"That topic has {n_terms} words or phrases; the limit is {MAX_TERMS}. Split it into several topics."
        )
    return text, tuple(alternatives), tuple(exclusions.values())


def _alternative(positives: list[_Lexeme]) -> tuple[Term, ...]:
    """One side of OR: its words and phrases, common words dropped unless quoted or alone."""
    found: dict[tuple[str, ...], Term] = {}
    common: dict[tuple[str, ...], Term] = {}
    for lx in positives:
        toks = terms(lx.text)
        if not toks:
            continue
        term = Term(lx.text, toks, exact=lx.kind == "phrase")
        if not term.exact and len(toks) == 1 and (lx.text.casefold() in STOPWORDS or toks[0] in STOPWORDS):
            common.setdefault(toks, term)
        elif toks not in found or term.exact:  # a word typed both ways counts as quoted
            found[toks] = term
    return tuple((found or common).values())
