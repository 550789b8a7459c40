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

_WORD = re.compile(r"\w+")  # letters and digits: underscores are replaced by spaces first
_URL = re.compile(r"https?://|www\.|\b[\w-]++\.(?:[\w-]++\.)*+[a-zA-Z]{2,}/")  # possessive: linear time
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
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
    return _WORD.findall(text.casefold().replace("_", " "))


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


def _without_url_sentences(text: str) -> str:
    """`text` without the sentences that contain a web address."""
    kept: list[str] = []
    pos = 0
    for url in _URL.finditer(text):
        if url.start() < pos:
            continue
        at = url.start()
        start = max(
            pos, text.rfind(". ", pos, at) + 1, text.rfind("! ", pos, at) + 1, text.rfind("? ", pos, at) + 1
        )
        end = _SENTENCE_END.search(text, url.end())
        kept.append(text[pos:start])
        pos = end.start() if end else len(text)
    kept.append(text[pos:])
    return " ".join(kept)


def terms(text: str) -> tuple[str, ...]:
    """The terms of `text`, in order (see the module docstring)."""
    if "/" in text or "www." in text:
        text = _without_url_sentences(text)
    return tuple(map(stem, _WORD.findall(text.casefold().replace("_", " "))))
