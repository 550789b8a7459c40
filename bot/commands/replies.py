"""Platform-neutral answers to commands; each adapter renders them with bot.render.

The stock replies every platform may give (storage down, too slow, an internal error, a refused
settings change) are here too. Notice lines use one bit of markup, `code spans`, for commands and
values. Text that came from outside (topics, time zones) must go through `quote()` so it cannot close a span or ping anyone;
the renderers escape everything else for their platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.commands.language import ShowPapers
from bot.commands.syntax import spell
from bot.digest import Digest
from bot.platforms import platform as platform_named
from bot.render.votes import VoteBars

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
    """Papers to show. `more` is the next page's command, `note` explains e.g. which day is shown,
    `votes` the papers' 👍/👎 buttons (signed for the channel asked in; None: no buttons)."""

    digest: Digest
    command: ShowPapers
    note: str | None = None
    more: ShowPapers | None = None
    votes: VoteBars | None = None


Reply = Notice | Listing

# --- stock replies ---

STORAGE_DOWN = Notice(
    "I can't reach my storage right now",
    (
        "Nothing was changed. Please try again in a minute; if it keeps happening, tell whoever runs papers-bot.",
    ),
    tone="error",
)

TOO_SLOW = Notice(
    "I couldn't answer in time",
    (
        "My storage or Hugging Face is slow to answer right now. Please try again in a minute; "
        "if you changed a setting, `/papers status` shows whether it took effect.",
    ),
    tone="error",
)

INTERNAL_ERROR = Notice(
    "Something went wrong on my side",
    ("The error was logged. Please try again; nothing was changed unless a confirmation said so.",),
    tone="error",
)


def refused(platform: str, change: str = "change its daily post") -> Notice:
    """The answer to a settings change (or `change`, e.g. "forget its votes") by someone who may not
    manage the channel."""
    need = platform_named(platform).manager
    return Notice(
        f"Only people who manage this channel can {change}",
        (
            f"You need {need}. Anyone can use `{spell('', platform)}`, `{spell('topics', platform)}` "
            f"and `{spell('status', platform)}`.",
        ),
        tone="warning",
    )
