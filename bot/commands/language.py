"""The `/papers` command language, shared word for word by Slack and Discord.

`parse(text)` turns what a user typed after `/papers` into a Command. It never raises: input it
cannot make sense of becomes `Help` with the problem and the closest command, so every adapter can
always answer something useful. Values are checked for shape here (a number, a date); rules about
settings (ranges, time zones, topic limits) live with the subscription store.

`SUBCOMMANDS` defines each subcommand once (its words, how its arguments are read, whether it changes
settings, its help line and its Discord spelling); the parser, help, the spellings and
`CHANGES_SETTINGS` are derived from it (docs/adding-a-subcommand.md).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
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
class ShowVotes:
    """What this channel's 👍/👎 votes teach its ranking."""


@dataclass(frozen=True, slots=True)
class ForgetVotes:
    """Forget every vote of this channel (managers only)."""


@dataclass(frozen=True, slots=True)
class Help:
    problem: str | None = None  # what was wrong with the input, for people
    suggestion: str | None = None  # the closest valid command, e.g. "subscribe diffusion"


Command = (
    ShowPapers
    | Subscribe
    | Unsubscribe
    | Topics
    | SetTime
    | SetCount
    | Pause
    | Resume
    | Status
    | Why
    | ShowVotes
    | ForgetVotes
    | Help
)

_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_MERIDIEM = re.compile(r"^[ap]\.?m\.?$", re.IGNORECASE)  # the `PM` of `time 9:00 PM`
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


def _search(words: list[str]) -> Command:
    rest = " ".join(words[1:])
    return (
        ShowPapers(query=rest)
        if rest
        else Help(problem="`search` needs a query.", suggestion="search diffusion")
    )


def _subscribe(words: list[str]) -> Command:
    return Subscribe(" ".join(words[1:]) or None)


def _unsubscribe(words: list[str]) -> Command:
    rest = " ".join(words[1:])
    if not rest:
        return Help(problem="Say which topic to drop, or `all`.", suggestion="unsubscribe all")
    return Unsubscribe("all" if _keyword(rest) == "all" else rest)


def _time(words: list[str]) -> Command:
    args = words[1:]
    if not args:
        return Help(
            problem="Use `time HH:MM` and optionally a time zone.", suggestion="time 09:00 Europe/Berlin"
        )
    clock = 2 if len(args) > 1 and _MERIDIEM.match(fold(args[1])) else 1  # `9:00 PM EST`
    return SetTime(fold(" ".join(args[:clock])), fold(" ".join(args[clock:])) or None)  # zones: `New York`


def _count(words: list[str]) -> Command:
    args = words[1:]
    count = _number(args[0], "number of papers per post", 1, MAX_TOP) if len(args) == 1 else None
    if not isinstance(count, int):
        return count or Help(problem="Use `count N` with N from 1 to 20.", suggestion="count 5")
    return SetCount(count)


def _why(words: list[str]) -> Command:
    paper_id = parse_paper_id(" ".join(words[1:]))
    if paper_id is None:
        return Help(
            problem="Use `why` with an arXiv id or a paper link, e.g. `why 2510.12586`.",
            suggestion="why 2510.12586",
        )
    return Why(paper_id)


def _bare(command: type[Command]) -> Callable[[list[str]], Command]:
    """The reader of a subcommand that takes no arguments."""

    def read(words: list[str]) -> Command:
        if len(words) > 1:
            head = _keyword(words[0])
            return Help(problem=f"`{head}` takes no arguments.", suggestion=head)
        return command()

    return read


@dataclass(frozen=True, slots=True)
class DiscordOption:
    """A Discord option filled from the text language: `placeholder` is shown when no value was typed
    (None: the option is left out)."""

    name: str
    placeholder: str | None = None


@dataclass(frozen=True, slots=True)
class Subcommand:
    """One `/papers` subcommand, defined once.

    `words` start it in the text language and are offered as corrections of typos; `aliases` start it
    too but are never offered; `pattern` starts it when the first word matches (dates). `read` turns
    the typed words (the first one included) into a Command; `command` is the class it makes, and
    `changes_settings` makes it a manager-only command, whose refusal says "Only people who manage
    this channel can {refusal}". `help` is its fragment of the help text (a
    template and the example commands that fill it), joined with " · " to the others of `help_line`.
    On Discord it is the subcommand `discord`, whose `discord_options` take the text after the first
    word (each but the last one word, the last the rest) or, with `discord_from_head`, the first word
    itself; `discord_description` is shown in Discord's command picker.
    """

    words: tuple[str, ...]
    command: type[Command]
    read: Callable[[list[str]], Command]
    discord: str
    discord_description: str
    discord_options: tuple[DiscordOption, ...] = ()
    discord_from_head: bool = False
    aliases: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    changes_settings: bool = False
    refusal: str = "change its daily post"
    help: tuple[str, tuple[str, ...]] | None = None
    help_line: int = 0


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        (), ShowPapers, _listing, "today", "The latest day's top papers",
        (DiscordOption("topic"),), aliases=("today", "latest"),
        help=("{} the latest day's top 5", ("",)), help_line=0,
    ),
    Subcommand(
        ("top",), ShowPapers, _listing, "top", "The latest day's top N papers",
        (DiscordOption("count"),), help=("{} · {}", ("top 10", "2025-10-15")), help_line=0,
    ),
    Subcommand(
        ("yesterday",), ShowPapers, _listing, "date", "The top papers of one day",
        (DiscordOption("day"),), discord_from_head=True, pattern=_DATE,
        help=("{}", ("yesterday",)), help_line=0,
    ),
    Subcommand(
        ("week",), ShowPapers, _listing, "week", "The top papers of the last seven days",
        (DiscordOption("topic"),), help=("{}", ("week",)), help_line=0,
    ),
    Subcommand(
        ("search",), ShowPapers, _search, "search", "The latest papers about a topic",
        (DiscordOption("query"),),
        help=("{} or just {}: papers about a topic", ("search QUERY", "diffusion -video")), help_line=1,
    ),
    Subcommand(
        ("subscribe",), Subscribe, _subscribe, "subscribe", "Daily papers in this channel, optionally about a topic",
        (DiscordOption("topic"),), changes_settings=True,
        help=(
            "{} this channel gets the daily post · {} adds a topic",
            ("subscribe", 'subscribe "efficient inference"'),
        ),
        help_line=2,
    ),
    Subcommand(
        ("unsubscribe",), Unsubscribe, _unsubscribe, "unsubscribe",
        "Stop following a topic, or `all` to stop the daily post",
        (DiscordOption("topic"),), changes_settings=True,
        help=("{} or {}", ("unsubscribe TOPIC", "unsubscribe all")), help_line=3,
    ),
    Subcommand(
        ("topics",), Topics, _bare(Topics), "topics", "The topics this channel follows",
        help=("{}", ("topics",)), help_line=3,
    ),
    Subcommand(
        ("time",), SetTime, _time, "time", "When the daily post comes",
        (DiscordOption("time", "HH:MM"), DiscordOption("timezone")), changes_settings=True,
        help=("{}", ("time 09:00 Europe/Berlin",)), help_line=4,
    ),
    Subcommand(
        ("count",), SetCount, _count, "count", "How many papers the daily post has",
        (DiscordOption("count"),), changes_settings=True, help=("{}", ("count 5",)), help_line=4,
    ),
    Subcommand(
        ("pause",), Pause, _bare(Pause), "pause", "Pause the daily post",
        changes_settings=True, help=("{}", ("pause",)), help_line=4,
    ),
    Subcommand(
        ("resume",), Resume, _bare(Resume), "resume", "Resume the daily post",
        changes_settings=True, help=("{}", ("resume",)), help_line=4,
    ),
    Subcommand(
        ("status",), Status, _bare(Status), "status", "This channel's settings, next and last post",
        help=("{} this channel's settings", ("status",)), help_line=5,
    ),
    Subcommand(
        ("why",), Why, _why, "why", "Why a paper ranks where it does",
        (DiscordOption("paper"),), help=("{} why a paper ranks where it does", ("why 2510.12586",)), help_line=5,
    ),
    Subcommand(
        ("votes",), ShowVotes, _bare(ShowVotes), "votes", "What this channel's 👍/👎 votes teach its ranking",
        help=("👍/👎 under each paper teach this channel's ranking: {} lists what they taught", ("votes",)),
        help_line=6,
    ),
    Subcommand(
        ("forget",), ForgetVotes, _bare(ForgetVotes), "forget", "Forget this channel's votes (managers only)",
        changes_settings=True, refusal="forget its votes",
        help=("{} forgets them (managers)", ("forget",)), help_line=6,
    ),
    Subcommand(("help",), Help, lambda words: Help(), "help", "What papers-bot can do", aliases=("?",)),
)  # fmt: skip

# Commands that change a channel's settings: only channel managers may run them.
CHANGES_SETTINGS: tuple[type[Command], ...] = tuple(s.command for s in SUBCOMMANDS if s.changes_settings)
# What each of them is refused as ("Only people who manage this channel can ...").
REFUSALS: dict[type[Command], str] = {s.command: s.refusal for s in SUBCOMMANDS if s.changes_settings}
# The command words, offered as corrections of typos.
KEYWORDS: tuple[str, ...] = tuple(word for s in SUBCOMMANDS for word in s.words)
_BY_WORD = {word: s for s in SUBCOMMANDS for word in (*s.words, *s.aliases)}


def subcommand_of(head: str) -> Subcommand | None:
    """The subcommand a first word (as the language spells it, see `_keyword`) starts, if any."""
    found = _BY_WORD.get(head)
    if found is None:
        found = next((s for s in SUBCOMMANDS if s.pattern and s.pattern.match(head)), None)
    return found


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
    head = _keyword(words[0])
    subcommand = subcommand_of(head)
    if subcommand is not None:
        return subcommand.read(words)
    if difflib.get_close_matches(head, KEYWORDS, n=1, cutoff=0.75):
        return _unknown(words)
    return ShowPapers(query=" ".join(words))  # bare words are a topic query: `/papers diffusion -video`
