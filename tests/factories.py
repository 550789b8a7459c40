"""Build Daily Papers API items (the API's own JSON shape) and Papers for tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.papers import Paper
from bot.source.hf_parse import parse_item


def api_item(
    paper_id: str = "2510.00001",
    *,
    title: str = "A Paper",
    abstract: str = "We study things. We find results.",
    upvotes: int = 10,
    comments: int = 0,
    authors: list[str] | None = None,
    day: date = date(2025, 10, 15),
    ai_summary: str | None = None,
    ai_keywords: list[str] | None = None,
    github: str | None = None,
    stars: int | None = None,
    organization: str | None = None,
) -> dict[str, Any]:
    """One item as GET /api/daily_papers returns it (2025-10 shape)."""
    submitted = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=1)
    paper: dict[str, Any] = {
        "id": paper_id,
        "authors": [
            {"_id": f"a{i}", "name": n, "hidden": False} for i, n in enumerate(authors or ["Ada Lovelace"])
        ],
        "publishedAt": (submitted - timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        "submittedOnDailyAt": submitted.isoformat().replace("+00:00", "Z"),
        "title": title,
        "summary": abstract,
        "upvotes": upvotes,
        "discussionId": "d" + paper_id,
    }
    if ai_summary is not None:
        paper["ai_summary"] = ai_summary
    if ai_keywords is not None:
        paper["ai_keywords"] = ai_keywords
    if github is not None:
        paper["githubRepo"] = github
    if stars is not None:
        paper["githubStars"] = stars
    if organization is not None:
        paper["organization"] = {"_id": "o1", "name": organization, "fullname": organization}
    return {
        "paper": paper,
        "publishedAt": paper["publishedAt"],
        "title": title,
        "summary": abstract,
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper_id}.png",
        "numComments": comments,
        "isAuthorParticipating": False,
    }


def make_paper(paper_id: str = "2510.00001", **kwargs: Any) -> Paper:
    """A parsed Paper built through the real parser from `api_item(**kwargs)`."""
    day = kwargs.get("day", date(2025, 10, 15))
    return parse_item(api_item(paper_id, **kwargs), day)


def _stamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def api_item_of(paper: Paper) -> dict[str, Any]:
    """The API item that the parser reads back as `paper` when it is served on `paper.list_day`."""
    if paper.submitted_at is not None and paper.submitted_at.date() != paper.list_day:
        raise ValueError(f"{paper.id}: submitted_at {paper.submitted_at} is not on list_day {paper.list_day}")
    fields: dict[str, Any] = {
        "id": paper.id,
        "authors": [{"_id": f"a{i}", "name": n, "hidden": False} for i, n in enumerate(paper.authors)],
        "publishedAt": _stamp(paper.published_at) if paper.published_at else None,
        "submittedOnDailyAt": _stamp(paper.submitted_at) if paper.submitted_at else None,
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": paper.upvotes,
        "discussionId": "d" + paper.id,
        "githubRepo": paper.github_url,
        "githubStars": paper.github_stars,
        "projectPage": paper.project_page,
        "organization": {"_id": "o1", "name": paper.organization, "fullname": paper.organization}
        if paper.organization
        else None,
        "ai_summary": paper.ai_summary,
        "ai_keywords": list(paper.ai_keywords) or None,
    }
    item: dict[str, Any] = {
        "paper": {k: v for k, v in fields.items() if v is not None},
        "title": paper.title,
        "summary": paper.abstract,
        "numComments": paper.comments,
        "isAuthorParticipating": False,
    }
    if paper.thumbnail is not None:
        item["thumbnail"] = paper.thumbnail
    return item


def api_items(papers: Iterable[Paper]) -> list[dict[str, Any]]:
    """A day's API response listing these papers, in order."""
    return [api_item_of(p) for p in papers]
