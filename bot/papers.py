"""The Paper model: one entry of a Daily Papers list, normalised and platform-neutral."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

HF_PAPERS_URL = "https://huggingface.co/papers"


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper as the rest of the bot sees it. Text fields are whitespace-normalised, never None."""

    id: str  # canonical arXiv id, no version suffix
    title: str
    abstract: str
    authors: tuple[str, ...]
    upvotes: int
    comments: int
    list_day: date  # the Daily Papers day it was listed on
    submitted_at: datetime | None = None  # when it entered the list (UTC); drives upvote fairness
    published_at: datetime | None = None  # arXiv publication time
    github_url: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    organization: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = field(default=())
    thumbnail: str | None = None

    @property
    def hf_url(self) -> str:
        return f"{HF_PAPERS_URL}/{self.id}"

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.id}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, the inverse of `from_dict` (used by the Redis cache)."""
        data = asdict(self)
        data["list_day"] = self.list_day.isoformat()
        for key in ("submitted_at", "published_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["authors"] = list(self.authors)
        data["ai_keywords"] = list(self.ai_keywords)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        values = dict(data)
        values["list_day"] = date.fromisoformat(values["list_day"])
        for key in ("submitted_at", "published_at"):
            values[key] = datetime.fromisoformat(values[key]) if values.get(key) else None
        values["authors"] = tuple(values.get("authors") or ())
        values["ai_keywords"] = tuple(values.get("ai_keywords") or ())
        return cls(**values)


def list_url(day: date) -> str:
    """The Hugging Face page of one day's list (for "N more at ...")."""
    return f"{HF_PAPERS_URL}/date/{day.isoformat()}"
