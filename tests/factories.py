"""Build Daily Papers API items (the API's own JSON shape) and Papers for tests."""

from __future__ import annotations

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
