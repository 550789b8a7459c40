"""Text analysis: the same terms for papers, queries and the background statistics.

`terms("Efficient LLMs for text-to-image")` -> ``('effici', 'llm', 'for', 'text', 'to', 'imag')``:
sentences with a web address removed (a third of abstracts end with one: "Code and data are available at
https://github.com/...", an announcement, not what the paper is about), case-folded, split on anything that is not a letter or digit (hyphens and slashes separate words),
each word stemmed by the Snowball English stemmer (PyStemmer, the C implementation of Porter's
Snowball algorithms). One addition: Snowball leaves an ``s`` on words without a vowel, so acronym
plurals (``LLMs``, ``VLMs``, ``CNNs``) lose it here before stemming; and Snowball keeps British and
American spellings apart, so ``-ise``/``-yse`` forms (``optimisation``, ``analyse``) and ``-our`` endings
of longer words (``behaviour``) are folded to the American spelling first, as most papers write it.

Stop words are kept in the terms (phrases need their positions); the query language drops them
outside quotes (`STOPWORDS`), and BM25's IDF gives the rest near-zero weight anyway.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

import Stemmer

_WORD = re.compile(r"[^\W_]+")
_URL = r"(?:(?:https?://|www\.)|[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}/)(?:\S*[^\s.!?,;:)\]])?"
_URL_SENTENCE = re.compile(rf"[^.!?]*?(?:{_URL})(?:[^.!?]|[.!?](?=\S))*[.!?]?")
_VOWELLESS_PLURAL = re.compile(r"[^aeiouy\d]+s")
_BRITISH_ISE = re.compile(r"(?<=\w\w)([iy])s(e|ed|es|ing|ation|ations|er|ers)$")
_BRITISH_OUR = re.compile(r"(?<=\w\w\w)our(s?)$")
_STEMMER = Stemmer.Stemmer("english")

# Ignored outside quotes; "or"/"and"/"not" are operators (bot.ranking.query).
STOPWORDS: Final = frozenset(
    {
        "a", "an", "the", "of", "for", "in", "on", "at", "to", "with", "by", "from", "via", "into", "onto",
        "as", "is", "are", "be", "was", "were", "its", "it", "this", "that", "these", "those", "we", "our",
        "using", "towards", "toward", "vs", "versus", "s", "and", "or", "not",
    }
)  # fmt: skip


def words(text: str) -> list[str]:
    """The case-folded words of `text`, before stemming."""
    return _WORD.findall(text.casefold())


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """The Snowball English stem of one case-folded word (acronym plurals and British spellings first)."""
    if len(word) > 2 and _VOWELLESS_PLURAL.fullmatch(word):
        word = word[:-1]
    elif len(word) > 5:
        if m := _BRITISH_ISE.search(word):
            word = f"{word[: m.start()]}{m[1]}z{m[2]}"
        elif m := _BRITISH_OUR.search(word):
            word = f"{word[: m.start()]}or{m[1]}"
    return _STEMMER.stemWord(word)


def terms(text: str) -> tuple[str, ...]:
    """The terms of `text`, in order (see the module docstring)."""
    if "/" in text or "www." in text:
        text = _URL_SENTENCE.sub(" ", text)
    return tuple(map(stem, _WORD.findall(text.casefold())))
