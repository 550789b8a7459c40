"""The `/papers` command language, shared word for word by Slack and Discord.

`parse(text)` turns what a user typed after `/papers` into a Command. It never raises: input it
cannot make sense of becomes `Help` with the problem and the closest command, so every adapter can
always answer something useful. Values are checked for shape here (a number, a date); rules about
settings (ranges, time zones, topic limits) live with the subscription store.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.paper_ids import parse_paper_id
from bot.typed_text import fold, without_invisibles

MAX_TOP = 20
DEFAULT_TOP = 5
MAX_INPUT = 500  # longer input is refused before any work, whatever it holds

When = date | Literal["latest", "yesterday", "week"]


@dataclass(frozen=True, slots=True)
class ShowPapers:
    """A listing: a day's (or the week's) top papers, optionally filtered by a topic query."""

    when: When = "latest"
    top: int = DEFAULT_TOP
    query: str | None = None
    offset: int = 0

    def to_value(self) -> str:
        """A compact JSON string for a "More" button's value; `ShowPapers.from_value` reads it back.

        `&`, `<` and `>` (possible only inside the query) are written as JSON `\\u` escapes, so the
        value holds no character a chat platform escapes or parses and comes back unchanged.
        """
        when = self.when.isoformat() if isinstance(self.when, date) else self.when
        value = json.dumps(
            [when, self.top, self.query, self.offset], separators=(",", ":"), ensure_ascii=False
        )
        return value.translate(_JSON_MARKUP_SAFE)

    @classmethod
    def from_value(cls, value: str) -> Command:
        """The inverse of `to_value`; anything else (a forged or stale value) becomes Help."""
        try:
            when, top, query, offset = json.loads(value)
            parsed = when if when in ("latest", "yesterday", "week") else date.fromisoformat(when)
            if not (isinstance(top, int) and 1 <= top <= MAX_TOP and isinstance(offset, int) and offset >= 0):
                raise ValueError(value)
            if query is not None and (not isinstance(query, str) or len(query) > MAX_INPUT):
                raise ValueError(value)
            return cls(when=parsed, top=top, query=query, offset=offset)
        except (TypeError, ValueError):
            return Help(problem="That button has expired; run the command again.")


@dataclass(frozen=True, slots=True)
class Subscribe:
    query: str | None = None  # None: subscribe the channel to the daily post without a topic


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    query: str  # a topic as listed by `topics`, or "all" to stop the daily post


@dataclass(frozen=True, slots=True)
class Topics:
    pass


@dataclass(frozen=True, slots=True)
class SetTime:
    time: str  # "HH:MM", checked by the store
    timezone: str | None = None  # as typed (a zone, city, country, abbreviation); None keeps the channel's


@dataclass(frozen=True, slots=True)
class SetCount:
    count: int


@dataclass(frozen=True, slots=True)
class Pause:
    pass


@dataclass(frozen=True, slots=True)
class Resume:
    pass


@dataclass(frozen=True, slots=True)
class Status:
    pass


@dataclass(frozen=True, slots=True)
class Why:
    paper_id: str  # canonical arXiv id without version (bot.paper_ids.parse_paper_id)


@dataclass(frozen=True, slots=True)
class Help:
    problem: str | None = None  # what was wrong with the input, for people
    suggestion: str | None = None  # the closest valid command, e.g. "subscribe diffusion"


Command = (
    ShowPapers | Subscribe | Unsubscribe | Topics | SetTime | SetCount | Pause | Resume | Status | Why | Help
)

# Commands that change a channel's settings: only channel managers may run them.
CHANGES_SETTINGS = (Subscribe, Unsubscribe, SetTime, SetCount, Pause, Resume)

KEYWORDS = (
    "top",
    "yesterday",
    "week",
    "search",
    "subscribe",
    "unsubscribe",
    "topics",
    "time",
    "count",
    "pause",
    "resume",
    "status",
    "why",
    "help",
)
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_JSON_MARKUP_SAFE = str.maketrans({"&": "\\u0026", "<": "\\u003c", ">": "\\u003e"})
# Characters that separate words (controls C0 and C1, the zero-width space, line and paragraph
# separators) and lone surrogates: replaced by a space.
_SEPARATORS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ud800-\udfff]")


def visible_text(text: str) -> str:
    """Controls, the zero-width space and lone surrogates as spaces; invisible format characters
    (Unicode Cf: bidi marks and overrides, joiners, soft hyphens, BOM, ...) dropped; whitespace
    collapsed."""
    return " ".join(without_invisibles(_SEPARATORS.sub(" ", text)).split())


def _number(word: str, what: str, low: int, high: int) -> int | Help:
    digits = fold(word)  # `５`, `٥`
    if digits.isascii() and digits.isdecimal() and low <= int(digits) <= high:
        return int(digits)
    return Help(problem=f"`{word}` is not a valid {what}: use a whole number from {low} to {high}.")


def _day(word: str) -> date | Help:
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in fold(word).split("-")))
    except ValueError:
        return Help(problem=f"`{word}` is not a date: use YYYY-MM-DD, e.g. `2025-10-15`.")


def _keyword(word: str) -> str:
    """A command word as the language spells it, however it was typed (`ＴＯＰ` -> `top`)."""
    return fold(word).lower()


def _listing(words: list[str]) -> Command:
    """`top N`, a date, `yesterday` or `week` in any order, then optionally a topic query.

    `2025-10-15 top 10`, `week diffusion -video`, `top 3 yesterday agents` all work.
    """
    when: When = "latest"
    top = DEFAULT_TOP
    rest = list(words)
    while rest:
        typed = rest.pop(0)
        word = _keyword(typed)
        if word == "top":
            if not rest:
                return Help(problem="`top` needs a number, e.g. `top 10`.", suggestion="top 10")
            parsed = _number(rest.pop(0), "number of papers", 1, MAX_TOP)
            if isinstance(parsed, Help):
                return parsed
            top = parsed
        elif word in ("yesterday", "week", "today", "latest"):
            when = "latest" if word == "today" else word  # type: ignore[assignment]
        elif _DATE.match(word):
            day = _day(word)
            if isinstance(day, Help):
                return day
            when = day
        else:
            return ShowPapers(when=when, top=top, query=" ".join([typed, *rest]))  # as typed
    return ShowPapers(when=when, top=top)


def _unknown(words: list[str]) -> Help:
    first = _keyword(words[0])
    close = difflib.get_close_matches(first, KEYWORDS, n=1, cutoff=0.75)
    rest = " ".join(words[1:])
    suggestion = f"{close[0]} {rest}".strip() if close else None
    return Help(problem=f"I don't know `{first}`.", suggestion=suggestion)


def parse(text: str) -> Command:
    """Parse the text after `/papers`. Never raises.

    Command words, numbers, dates, times, time zones and paper ids are read however a keyboard
    typed them (`ｔｏｐ ５`, `time ０９：００`: `bot.typed_text.fold`); topics and queries keep the
    characters they were typed with, less invisible ones.
    """
    if len(text) > MAX_INPUT:
        return Help(problem=f"That is {len(text)} characters; commands are at most {MAX_INPUT}.")
    words = visible_text(text).split(" ") if visible_text(text) else []
    if not words:
        return ShowPapers()
    head, args = _keyword(words[0]), words[1:]
    rest = " ".join(args)
    if head in ("help", "?"):
        return Help()
    if head in ("top", "yesterday", "week", "today", "latest") or _DATE.match(head):
        return _listing(words)
    if head == "search":
        return (
            ShowPapers(query=rest)
            if rest
            else Help(problem="`search` needs a query.", suggestion="search diffusion")
        )
    if head == "subscribe":
        return Subscribe(rest or None)
    if head == "unsubscribe":
        if not rest:
            return Help(problem="Say which topic to drop, or `all`.", suggestion="unsubscribe all")
        return Unsubscribe("all" if _keyword(rest) == "all" else rest)
    if head in ("topics", "status", "pause", "resume") and not args:
        return {"topics": Topics, "status": Status, "pause": Pause, "resume": Resume}[head]()
    if head == "time":
        if not args:
            return Help(
                problem="Use `time HH:MM` and optionally a time zone.", suggestion="time 09:00 Europe/Berlin"
            )
        return SetTime(fold(args[0]), fold(" ".join(args[1:])) or None)  # zones may be words: `New York`
    if head == "count":
        count = _number(args[0], "number of papers per post", 1, MAX_TOP) if len(args) == 1 else None
        if not isinstance(count, int):
            return count or Help(problem="Use `count N` with N from 1 to 20.", suggestion="count 5")
        return SetCount(count)
    if head == "why":
        paper_id = parse_paper_id(rest)
        if paper_id is None:
            return Help(
                problem="Use `why` with an arXiv id or a paper link, e.g. `why 2510.12586`.",
                suggestion="why 2510.12586",
            )
        return Why(paper_id)
    if head in ("topics", "status", "pause", "resume"):
        return Help(problem=f"`{head}` takes no arguments.", suggestion=head)
    if head not in KEYWORDS and difflib.get_close_matches(head, KEYWORDS, n=1, cutoff=0.75):
        return _unknown(words)
    return ShowPapers(query=" ".join(words))  # bare words are a topic query: `/papers diffusion -video`
