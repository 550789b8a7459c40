"""Text analysis: the fast paths (memoised batched stemming, ASCII splitting, the web-address search
around '/' and 'www.') give exactly the terms of the plain definition, on any text."""

from __future__ import annotations

import re

import pytest
import Stemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ranking import analysis
from bot.ranking.analysis import stem, term_set, terms, words

_PLAIN_STEMMER = Stemmer.Stemmer("english")


def plain_stem(word: str) -> str:
    """The module docstring's rule, word by word: vowel-less plurals, British spellings, Snowball."""
    if len(word) > 2 and re.fullmatch(r"[^aeiouy\d]+s", word):
        word = word[:-1]
    elif len(word) > 5:
        if m := re.search(r"(?<=\w\w)([iy])s(e|ed|es|ing|ation|ations|er|ers)$", word):
            word = f"{word[: m.start()]}{m[1]}z{m[2]}"
        elif m := re.search(r"(?<=\w\w\w)our(s?)$", word):
            word = f"{word[: m.start()]}or{m[1]}"
    return _PLAIN_STEMMER.stemWord(word)


def plain_terms(text: str) -> tuple[str, ...]:
    """Sentences holding a web address dropped (over the whole text), then `\\w+` words, stemmed."""
    url = re.compile(r"https?://|www\.|\b[\w-]++\.(?:[\w-]++\.)*+[a-zA-Z]{2,}/")
    kept, pos = [], 0
    for found in url.finditer(text):
        if found.start() < pos:
            continue
        at = found.start()
        start = max(pos, *(text.rfind(mark, pos, at) + 1 for mark in (". ", "! ", "? ")))
        end = re.compile(r"(?<=[.!?])\s+").search(text, found.end())
        kept.append(text[pos:start])
        pos = end.start() if end else len(text)
    kept.append(text[pos:])
    return tuple(plain_stem(w) for w in re.findall(r"\w+", " ".join(kept).casefold().replace("_", " ")))


PIECES = [
    "diffusion ", "models", "LLMs ", "CNNs", "optimisation ", "analyse", "behaviours ", "colour", "s ",
    "Code at https://github.com/x/y. ", "see www.example.org ", "arxiv.org/abs/1 ", "a.b/", "and/or ",
    ". ", "! ", "? ", "\n", "\u00a0", "_", "-", "é", "ſ", "\u212a", "İ", "ß", "٣", "x", "1",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=25).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_terms_are_the_plain_definition(text: str) -> None:
    assert terms(text) == plain_terms(text)
    assert term_set(text) == frozenset(plain_terms(text))
    assert words(text) == re.findall(r"\w+", text.casefold().replace("_", " "))


def test_a_full_memo_is_emptied_and_still_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "STEM_MEMO_SIZE", 4)
    text = "Organisations optimise large language models; LLMs analyse colours"
    for _ in range(3):
        assert terms(text) == plain_terms(text)
        assert term_set(text) == frozenset(plain_terms(text))
        assert stem("behaviours") == plain_stem("behaviours") == "behavior"
    assert len(analysis._STEMS) <= len(set(words(text)))
