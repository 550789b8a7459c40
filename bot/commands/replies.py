"""Platform-neutral answers to commands; each adapter renders them with bot.render.

Notice lines use one bit of markup, `code spans`, for commands and values. Text that came from
outside (topics, time zones) must go through `quote()` so it cannot close a span or ping anyone;
the renderers escape everything else for their platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.commands.language import ShowPapers
from bot.digest import Digest

Tone = Literal["info", "ok", "warning", "error"]


def quote(value: str, limit: int = 100) -> str:
    """Show outside text as a code span: no backticks inside, bounded length."""
    cleaned = " ".join(value.replace("`", "'").split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return f"`{cleaned}`"


@dataclass(frozen=True, slots=True)
class Notice:
    """A short answer: a title and a few lines (settings confirmations, status, help, errors)."""

    title: str
    lines: tuple[str, ...] = ()
    tone: Tone = "info"


@dataclass(frozen=True, slots=True)
class Listing:
    """Papers to show. `more` is the next page's command, `note` explains e.g. which day is shown."""

    digest: Digest
    command: ShowPapers
    note: str | None = None
    more: ShowPapers | None = None


Reply = Notice | Listing
