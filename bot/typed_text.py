"""What people type, in the form our parsers read: `fold` and `without_invisibles`.

A keyboard set to Chinese, Japanese or Korean types full-width letters, digits and punctuation
(`ｔｏｐ ５`, `２５１０．１２５８６`, `０９：００`); Arabic, Persian and Hindi keyboards type their own
digits (`٢٥١٠`, `۲۵۱۰`, `२५१०`); text pasted from PDFs and web pages brings invisible format
characters (a soft hyphen, a word joiner U+2060, a zero-width joiner, bidi marks, a BOM).

`fold` is for values with a fixed shape: command words, numbers, dates, times of day, time zone
names, paper ids. Free text (topics, search queries) keeps the characters it was typed with and only
loses the invisible ones (`without_invisibles`); how a query matches papers is the ranking's business.
Limits: no transliteration (`日本` stays as it is), and decimal digits of every script are read
only one at a time, as digits (no numeral systems such as 十二 or XII).
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """`text` in Unicode compatibility form, with ASCII digits and no invisible format characters.

    - NFKC (Unicode Standard Annex #15): full-width and other compatibility forms become their
      plain form, `ａｒＸｉｖ：２５１０．１２５８６` -> `arXiv:2510.12586`, `ﬁ` -> `fi`;
    - every decimal digit (Unicode category Nd: Arabic-Indic `٢`, Devanagari `२`, ...), which
      NFKC leaves alone, becomes its ASCII digit: `٢٥١٠` -> `2510`;
    - invisible format characters (category Cf) are removed: `2510.12586` + U+2060 -> `2510.12586`.

    Idempotent: `fold(fold(t)) == fold(t)`.
    """
    if text.isascii():
        return text
    folded = without_invisibles(unicodedata.normalize("NFKC", text))
    if folded.isascii():
        return folded
    return "".join(_ascii_digit(c) for c in folded)


def without_invisibles(text: str) -> str:
    """`text` without its invisible format characters (Unicode category Cf, e.g. U+00AD soft hyphen,
    U+200B-U+200F, U+202A-U+202E, U+2060-U+206F, U+FEFF, tags): they show nothing, so the person
    who typed or pasted them never meant them. Everything else is kept."""
    if text.isascii():
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def _ascii_digit(char: str) -> str:
    if char.isascii():
        return char
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else char
