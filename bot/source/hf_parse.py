"""Turn Daily Papers API items into `Paper`s, tolerating every shape the API has used since 2024."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from bot.papers import Paper

_VERSION = re.compile(r"v\d+$")


class ParseError(ValueError):
    """An item lacks what every Daily Papers item has (an id and a title)."""


def clean_text(value: Any) -> str:
    """Collapse hard wraps and runs of whitespace (any Unicode whitespace, as the regex ``\\s`` knows it)
    into one space, trimmed; non-strings become ''. `str.split` instead of a regex: a 2,000-paper list
    has ~25,000 such fields (bench/core.py digest_2000_s)."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def canonical_id(raw: str) -> str:
    """`2510.12586v2` -> `2510.12586`: the same paper under any version."""
    return _VERSION.sub("", raw.strip())


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _url(value: Any) -> str | None:
    """Trim a URL (githubRepo sometimes carries an embedded newline); keep only http(s)."""
    if not isinstance(value, str):
        return None
    url = "".join(value.split())
    return url if url.startswith(("https://", "http://")) else None


def _organization(item: dict[str, Any], paper: dict[str, Any]) -> str | None:
    for org in (paper.get("organization"), item.get("organization"), item.get("submitterOrganization")):
        if isinstance(org, dict):
            name = clean_text(org.get("fullname")) or clean_text(org.get("name"))
            if name:
                return name
    return None


def _authors(paper: dict[str, Any]) -> tuple[str, ...]:
    names = []
    for author in paper.get("authors") or ():
        if isinstance(author, dict) and not author.get("hidden"):
            name = clean_text(author.get("name"))
            if name:
                names.append(name)
    return tuple(names)


def _keywords(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(k for k in (clean_text(v) for v in value) if k)


def parse_item(item: Any, asked_day: date) -> Paper:
    """One API item -> Paper. `asked_day` is the list day when the item does not say."""
    if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
        raise ParseError("item has no 'paper' object")
    paper = item["paper"]
    raw_id = paper.get("id")
    title = clean_text(paper.get("title")) or clean_text(item.get("title"))
    if not isinstance(raw_id, str) or not raw_id.strip() or not title:
        raise ParseError("item has no paper id or title")
    submitted_at = _timestamp(paper.get("submittedOnDailyAt"))
    stars = paper.get("githubStars")
    return Paper(
        id=canonical_id(raw_id),
        title=title,
        abstract=clean_text(paper.get("summary")) or clean_text(item.get("summary")),
        authors=_authors(paper),
        upvotes=_int(paper.get("upvotes")),
        comments=_int(item.get("numComments")),
        list_day=submitted_at.date() if submitted_at else asked_day,
        submitted_at=submitted_at,
        published_at=_timestamp(paper.get("publishedAt")),
        github_url=_url(paper.get("githubRepo")),
        github_stars=stars if isinstance(stars, int) and not isinstance(stars, bool) and stars >= 0 else None,
        project_page=_url(paper.get("projectPage")),
        organization=_organization(item, paper),
        ai_summary=clean_text(paper.get("ai_summary")) or None,
        ai_keywords=_keywords(paper.get("ai_keywords")),
        thumbnail=_url(item.get("thumbnail")) or _url(item.get("mediaUrl")),
    )


def parse_items(items: Iterable[Any], asked_day: date) -> list[Paper]:
    """Parse a list, skipping malformed items and duplicate ids (first, i.e. most upvoted, wins)."""
    papers: list[Paper] = []
    seen: set[str] = set()
    for item in items:
        try:
            paper = parse_item(item, asked_day)
        except ParseError:
            continue
        if paper.id not in seen:
            seen.add(paper.id)
            papers.append(paper)
    return papers
