"""Answers that show papers: listings (`/papers`, a date, a week, a topic) and `/papers why`."""

from __future__ import annotations

import math
import time
from datetime import UTC, date, datetime, timedelta

from bot.commands.language import ShowPapers, Why
from bot.commands.replies import Listing, Notice, Reply, quote
from bot.digest import build_digest
from bot.papers import Paper
from bot.ranking import FeedbackProfile, QueryError, TopicQuery, explain, rank
from bot.source import SourceUnavailable
from bot.store import PaperCache
from bot.text_format import format_day

FIRST_LIST_DAY = date(2023, 5, 4)  # Hugging Face Daily Papers began in May 2023
WEEK_DAYS = 7
#: Longest a command waits for Hugging Face (within the service's ANSWER_DEADLINE): after that it
#: answers from the cached copy, or says HF is not answering, and the fetch fills the cache meanwhile.
SOURCE_WAIT = 1.5
UNAVAILABLE = Notice(
    "Hugging Face is not answering right now",
    ("I could not get the Daily Papers list and have no saved copy of it. Try again in a few minutes.",),
    tone="warning",
)


def back_when(retry_at: datetime) -> str:
    """When HF will answer again, as people read it: "back in about 12 s" within 90 s, else "back
    at 10:06 UTC" (`retry_at` is a moment, not a user's time). Always rounded up, so that it never
    names a time before the reset: 10:05:01 is "10:06"."""
    moment = retry_at.timestamp()
    left = moment - time.time()
    if left <= 1:
        return "back any moment now"
    if left < 90:
        return f"back in about {math.ceil(left)} s"
    return f"back at {datetime.fromtimestamp(math.ceil(moment / 60) * 60, UTC):%H:%M} UTC"


def unavailable(exc: SourceUnavailable) -> Notice:
    """The answer when a list cannot be had: when HF rate-limits us, it says when HF will be back
    (`back_when`)."""
    if exc.retry_at is None:
        return UNAVAILABLE
    return Notice(
        f"Hugging Face asked us to wait; {back_when(exc.retry_at)}",
        (
            "It limits how often it may be asked, and I have no saved copy of this list yet. "
            "Try again then: the list will be fetched meanwhile.",
        ),
        tone="warning",
    )


async def show_papers(
    command: ShowPapers, papers: PaperCache, now: datetime, profile: FeedbackProfile | None = None
) -> Reply:
    """A day's (or the week's) ranked papers, filtered by the command's query if it has one and
    moved by the channel's feedback `profile` (its votes)."""
    try:
        topics = [TopicQuery.parse(command.query)] if command.query else []
    except QueryError as exc:
        return Notice("That topic query doesn't work", (str(exc),), tone="warning")
    today = now.date()
    try:
        found = await _papers_for(command, papers, today)
    except SourceUnavailable as exc:
        return unavailable(exc)
    if isinstance(found, Notice):
        return found
    day, listed, note = found
    digest = build_digest(
        listed, day=day, top=command.top, now=now, topics=topics, offset=command.offset, profile=profile
    )
    more = None
    if digest.more:
        more = ShowPapers(command.when, command.top, command.query, command.offset + command.top)
    return Listing(digest, command, note=note, more=more)


async def _papers_for(
    command: ShowPapers, papers: PaperCache, today: date
) -> tuple[date, list[Paper], str | None] | Notice:
    when = command.when
    if when == "latest":
        latest = await papers.latest_day_with_papers(today=today, wait=SOURCE_WAIT)
        if latest is None:
            return Notice(
                "No Daily Papers in the last week", ("Hugging Face has listed nothing since then.",)
            )
        day, listed, unread = latest
        if unread is not None:  # a more recent list could not be read: it may not be empty
            newer = "today's list" if day == today - timedelta(days=1) else "the more recent lists"
            note = f"{_why_missing(unread, newer)}; showing the cached list of {format_day(day)} meanwhile."
        elif day != today:
            note = f"Today's list is still empty; showing {format_day(day)}."
        else:
            note = None
        return day, listed, note
    if when == "week":
        days = [today - timedelta(days=i) for i in range(WEEK_DAYS)]
        lists = await papers.days(days, today=today, wait=SOURCE_WAIT)
        merged: dict[str, Paper] = {}
        failures: dict[date, SourceUnavailable] = {}
        for day in days:  # newest first: a paper listed twice keeps its latest entry
            result = lists[day]
            if isinstance(result, SourceUnavailable):
                failures[day] = result
                continue
            for paper in result:
                merged.setdefault(paper.id, paper)
        if not merged:
            if failures:  # an unread day may have had papers: "none this week" would be a guess
                raise max(failures.values(), key=_retry_order)
            return Notice("No Daily Papers in the last 7 days", ())
        note = f"The week's papers: {format_day(days[-1])} to {format_day(today)}."
        if failures:  # say which days are missing, and why
            missing = ", ".join(format_day(d) for d in sorted(failures))
            worst = max(failures.values(), key=_retry_order)
            note += f" Missing {missing}: {_why_missing(worst, 'them' if len(failures) > 1 else 'it')}."
        return today, list(merged.values()), note
    day = today - timedelta(days=1) if when == "yesterday" else when
    if day > today:
        return Notice(f"{format_day(day)} is in the future", ("There is no list for that day yet.",))
    if day < FIRST_LIST_DAY:
        return Notice("No list that early", (f"Daily Papers started on {format_day(FIRST_LIST_DAY)}.",))
    listed = await papers.papers_for_day(day, today=today, wait=SOURCE_WAIT)
    if not listed:
        weekend = " (weekends usually have none)" if day.weekday() >= 5 else ""
        return Notice(
            f"No papers listed for {format_day(day)}", (f"Hugging Face listed none that day{weekend}.",)
        )
    return day, listed, None


def _why_missing(exc: SourceUnavailable, lists: str) -> str:
    """Why `lists` ("today's list") could not be shown: HF asked us to wait (and until when), or
    did not answer."""
    if exc.retry_at is not None:
        return f"Hugging Face asked us to wait before sending {lists} ({back_when(exc.retry_at)})"
    return f"Hugging Face did not send {lists} (it is not answering)"


def _retry_order(exc: SourceUnavailable) -> float:
    """Orders failures by when HF will be back (unknown first), to report the latest."""
    return exc.retry_at.timestamp() if exc.retry_at else 0.0


async def why(
    command: Why,
    papers: PaperCache,
    topics: tuple[str, ...],
    now: datetime,
    profile: FeedbackProfile | None = None,
) -> Reply:
    """Each part of one paper's score, ranked as this channel's daily post would rank it (with its
    topics and its feedback `profile`)."""
    today = now.date()
    days = [today - timedelta(days=i) for i in range(WEEK_DAYS)]
    try:
        lists = await papers.days(days, today=today, wait=SOURCE_WAIT)
    except SourceUnavailable as exc:
        return unavailable(exc)
    for day in days:
        listed = lists[day]
        if isinstance(listed, SourceUnavailable):
            continue
        paper = next((p for p in listed if p.id == command.paper_id), None)
        if paper is not None:
            break
    else:
        failures = [r for r in lists.values() if isinstance(r, SourceUnavailable)]
        if failures:  # it may be on a list that could not be read
            return unavailable(max(failures, key=_retry_order))
        return Notice(
            f"{quote(command.paper_id)} is not on the lists of the last {WEEK_DAYS} days",
            ("`/papers why` explains papers from the recent Daily Papers lists.",),
            tone="warning",
        )
    queries = [TopicQuery.parse(t) for t in topics]
    ranked = rank(listed, queries, now=now, profile=profile)
    position = next((i for i, r in enumerate(ranked, 1) if r.paper.id == paper.id), None)
    title = f"Why {quote(paper.title, 80)} ranks where it does"
    if position is None:  # it does not match this channel's topics
        lines = ["It matches none of this channel's topics, so its daily post skips it."]
        ranked = rank(listed, (), now=now, profile=profile)
        position = next(i for i, r in enumerate(ranked, 1) if r.paper.id == paper.id)
    else:
        lines = []
    entry = ranked[position - 1]
    lines.insert(0, f"#{position} of {len(ranked)} on {format_day(day)}, score {entry.score:.2f}:")
    lines.extend(f"• {line}" for line in explain(entry))
    return Notice(title, tuple(lines))
