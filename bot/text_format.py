"""Platform-neutral text helpers: clean hostile text, cut it at word boundaries, pick summary sentences.

All patterns are compiled once at import: the renderers run on every post and every `/papers` answer,
and the whole match+rank+render path has a 20 ms budget for 1,000 papers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

ELLIPSIS = "…"

# Whitespace, C0/C1 controls (ESC would drive a terminal), lone surrogates (not encodable as UTF-8),
# bidi embeddings/overrides/isolates (they reorder the text around them) and BOMs become one space.
_JUNK = re.compile(r"[\s\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff]+")

# A sentence ends at ". ", "? " or "! " before a capital, a digit or an opening quote/bracket, unless
# the word before is an abbreviation.
_OPENERS = "\"'(["
_NOT_ENDS = frozenset(
    [
        "al",
        "etc",
        "vs",
        "fig",
        "figs",
        "eq",
        "eqs",
        "cf",
        "approx",
        "resp",
        "no",
        "nos",
        "sec",
        "secs",
        "ref",
        "refs",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "inc",
        "ltd",
        "tab",
        "vol",
        "pp",
        "ch",
        "app",
    ]
)
SUMMARY_SHORT = 160  # a first sentence shorter than this gets its successor

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def one_line(text: str | None) -> str:
    """One line of printable text: runs of whitespace and control characters become one space."""
    if not text:
        return ""
    # Fast path (C speed): parsed text is already clean. isprintable() is False for every character
    # _JUNK matches except the plain space, whose runs and ends are checked separately.
    if text.isprintable() and "  " not in text:
        return text.strip(" ")
    return _JUNK.sub(" ", text).strip()


def clip(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary and ended with "…" when cut."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    space = text.rfind(" ", 0, limit)  # keeping text[:space] leaves room for the ellipsis
    cut = text[:space] if space >= limit // 2 else text[: limit - 1]  # no boundary nearby: hard cut
    return cut.rstrip(" ,;:.-–—([{/") + ELLIPSIS


def fit(text: str, limit: int, escape: Callable[[str], str]) -> str:
    """Clip, then escape, so the escaped result is at most `limit`: no entity is ever cut in half."""
    out = escape(clip(text, limit))
    size = limit
    while len(out) > limit:  # escaping grew the text: clip the raw text shorter and try again
        size = min(size - 1, size * limit // len(out))
        out = escape(clip(text, size)) if size > 0 else ""
    return out


def first_sentences(text: str, limit: int) -> str:
    """The first sentence, plus the second when the first is short; at most `limit` characters.

    Runs for every paper of every post, so it uses str.find (C speed) rather than a regex scan, and
    only looks at the first `limit` characters of abstracts that run to 2,000.
    """
    stop = limit + 2
    other_marks = tuple(m for m in ("? ", "! ") if text.find(m[0], 0, stop) >= 0)  # rare: skip their finds
    end = _sentence_end(text, 0, stop, other_marks)
    if 0 < end < SUMMARY_SHORT:
        second = _sentence_end(text, end + 1, stop, other_marks) or (len(text) if len(text) <= limit else 0)
        if 0 < second <= limit:
            end = second
    return clip(one_line(text[:end] if end else text[: limit + 40]), limit)


def _sentence_end(text: str, start: int, stop: int, other_marks: tuple[str, ...]) -> int:
    """Index just past the first ". " (or "? ", "! ") ending a sentence in text[start:stop], or 0."""
    pos = start
    while True:
        i = text.find(". ", pos, stop)
        for mark in other_marks:
            j = text.find(mark, pos, stop)
            if j >= 0 and (i < 0 or j < i):
                i = j
        if i < 0:
            return 0
        pos = i + 2
        following = text[pos : pos + 1]
        if following and not (following.isupper() or following.isdigit() or following in _OPENERS):
            continue  # "e.g. the", "3. 5"
        word = text[text.rfind(" ", start, i) + 1 : i].lstrip(_OPENERS)
        if "." in word or word.lower() in _NOT_ENDS or (len(word) == 1 and word.isupper()):
            continue  # "et al. Smith", "Fig. 2", "J. Smith", "U.S. Army"
        return i + 1


def author_names(authors: Sequence[str], shown: int, name_max: int) -> tuple[str, bool]:
    """The first `shown` names joined with commas, and whether "et al." must follow."""
    first = authors[:shown]
    joined = ", ".join(first)
    if joined.isprintable() and "  " not in joined and all(0 < len(a) <= name_max for a in first):
        return joined, len(authors) > shown  # the usual case: parsed, clean, short names
    names = [clip(one_line(a), name_max) for a in first]
    return ", ".join(n for n in names if n), len(authors) > shown


def compact(n: int) -> str:
    """1234 -> "1.2k": counts read at a glance."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k".replace(".0k", "k") if n < 10_000 else f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M".replace(".0M", "M")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def format_day(day: date) -> str:
    """ "Wed 15 Oct 2025", the same in every locale (strftime's %a/%b are not)."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def quoted(text: str) -> str:
    """Outside text (a paper title, a typed topic) in “curly quotes” inside a sentence: its backticks
    become ' so it can never pair with a code span around it (code spans are the only markup of a
    reply's lines, bot.commands.replies)."""
    return "“" + text.replace("`", "'") + "”"
