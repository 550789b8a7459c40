"""Text analysis: the same terms for papers, queries and the background statistics.

`terms("Efficient LLMs for text-to-image")` -> ``('effici', 'llm', 'for', 'text', 'to', 'imag')``:
sentences with a web address removed (a third of abstracts end with one: "Code and data are available at
https://github.com/...", an announcement, not what the paper is about), case-folded, split on anything
that is not a letter or digit (hyphens and slashes separate words), each word stemmed by the Snowball
English stemmer (PyStemmer, the C implementation of Porter's Snowball algorithms). One addition:
Snowball leaves an ``s`` on words without a vowel, so acronym plurals (``LLMs``, ``VLMs``, ``CNNs``)
lose it here before stemming; and Snowball keeps British and American spellings apart, so
``-ise``/``-yse`` forms (``optimisation``, ``analyse``) and ``-our`` endings of longer words
(``behaviour``) are folded to the American spelling first, as most papers write it.

Stop words are kept in the terms (phrases need their positions); the query language drops them
outside quotes (`STOPWORDS`), and BM25's IDF gives the rest near-zero weight anyway.

Speed (a topic digest analyses every paper of the list, 2,000 in ~0.15 s: bench/core.py
digest_2000_topic_s): stems are memoised per word (`_StemMemo`, bounded by `STEM_MEMO_SIZE`, emptied
when full), so each distinct word is stemmed once per process, and PyStemmer's own cache is off
(it doubled the stemming time; batching through `stemWords` measured no faster than `stemWord` then).
An ASCII text is split by `str.translate` + `str.split` (2-3x as fast as the word regex, the same
words), other texts by the regex; the web-address pattern runs only on the space-delimited stretches
that hold a ``/`` or ``www.`` (an address never spans a space), with the same matches as over the whole
text. The memo and PyStemmer's stemmer are not thread-safe: analyse from one thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

import Stemmer

_WORD = re.compile(r"\w+")  # letters and digits: underscores are replaced by spaces first
_URL = re.compile(r"https?://|www\.|\b[\w-]++\.(?:[\w-]++\.)*+[a-zA-Z]{2,}/")  # possessive: linear time
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_VOWELLESS_PLURAL = re.compile(r"[^aeiouy\d]+s")
_BRITISH_ISE = re.compile(r"(?<=\w\w)([iy])s(e|ed|es|ing|ation|ations|er|ers)$")
_ISE_ENDINGS: Final = ("se", "sed", "ses", "sing", "sation", "sations", "ser", "sers")  # what it can end
_BRITISH_OUR = re.compile(r"(?<=\w\w\w)our(s?)$")
_OUR_ENDINGS: Final = ("our", "ours")
_RESPELT_ENDINGS: Final = ("s", *_ISE_ENDINGS, *_OUR_ENDINGS)  # `_respell` leaves other words alone
# ASCII letters and digits, after case-folding, kept; every other ASCII character separates words.
_ASCII_SEPARATORS: Final = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
_STEMMER = Stemmer.Stemmer("english", 0)  # its own cache off: `_STEMS` is the memo

STEM_MEMO_SIZE: Final = 1 << 17  # words; ~15,000 distinct words in 2,000 papers

# Ignored outside quotes; "or"/"and"/"not" are operators (bot.ranking.query).
STOPWORDS: Final = frozenset(
    {
        "a", "an", "the", "of", "for", "in", "on", "at", "to", "with", "by", "from", "via", "into", "onto",
        "as", "is", "are", "be", "was", "were", "its", "it", "this", "that", "these", "those", "we", "our",
        "using", "towards", "toward", "vs", "versus", "s", "and", "or", "not",
    }
)  # fmt: skip


def words(text: str) -> list[str]:
    """The case-folded words of `text`, before stemming: its runs of letters and digits, in order."""
    folded = text.casefold()
    if folded.isascii():
        return folded.translate(_ASCII_SEPARATORS).split()
    return _WORD.findall(folded.replace("_", " "))


def stem(word: str) -> str:
    """The Snowball English stem of one case-folded word (acronym plurals and British spellings first)."""
    return _STEMS[word]


class _StemMemo(dict[str, str]):
    """Case-folded word -> its term; a missing word is stemmed on first use. Emptied when it holds
    `STEM_MEMO_SIZE` words, so memory stays bounded."""

    def __missing__(self, word: str) -> str:
        if len(self) >= STEM_MEMO_SIZE:
            self.clear()
        found = self[word] = _STEMMER.stemWord(_respell(word) if word.endswith(_RESPELT_ENDINGS) else word)
        return found


_STEMS: Final = _StemMemo()


def _respell(word: str) -> str:
    """Drop the plural ``s`` of a vowel-less word (``llms``); ``-ise``/``-yse``/``-our`` to American."""
    if len(word) > 2 and word[-1] == "s" and _VOWELLESS_PLURAL.fullmatch(word):
        return word[:-1]
    if len(word) > 5:
        if word.endswith(_ISE_ENDINGS) and (m := _BRITISH_ISE.search(word)):
            return f"{word[: m.start()]}{m[1]}z{m[2]}"
        if word.endswith(_OUR_ENDINGS) and (m := _BRITISH_OUR.search(word)):
            return f"{word[: m.start()]}or{m[1]}"
    return word


def _urls(text: str) -> Iterator[re.Match[str]]:
    """The web addresses in `text`, as `_URL.finditer(text)` finds them: each one holds a ``/`` or
    ``www.`` and no space, so only the space-delimited stretches around those are searched."""
    pos, n = 0, len(text)
    slash, www = text.find("/"), text.find("www.")
    while slash >= 0 or www >= 0:
        anchor = min(slash, www) if slash >= 0 and www >= 0 else max(slash, www)
        start = text.rfind(" ", pos, anchor) + 1 or pos
        end = text.find(" ", anchor)
        pos = n if end < 0 else end
        yield from _URL.finditer(text, start, pos)
        if 0 <= slash < pos:
            slash = text.find("/", pos)
        if 0 <= www < pos:
            www = text.find("www.", pos)


def _without_url_sentences(text: str) -> str:
    """`text` without the sentences that contain a web address."""
    kept: list[str] = []
    pos = 0
    for url in _urls(text):
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


def _words_about(text: str) -> list[str]:
    if "/" in text or "www." in text:
        text = _without_url_sentences(text)
    return words(text)


def terms(text: str) -> tuple[str, ...]:
    """The terms of `text`, in order (see the module docstring)."""
    return tuple(map(_STEMS.__getitem__, _words_about(text)))


def term_set(text: str) -> frozenset[str]:
    """`frozenset(terms(text))`, without the tuple."""
    return frozenset(map(_STEMS.__getitem__, _words_about(text)))
