"""Plain text for terminals (the CLI): numbered, wrapped, no markup.

Outside text is normalised (control characters, ESC included, become spaces), so a hostile title
cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from bot.render import limits as L
from bot.render.escape import safe_url
from bot.render.view import empty_message, join_topics, paper_view
from bot.text_format import compact, format_day, plural

if TYPE_CHECKING:
    from bot.digest import Digest
    from bot.ranking.types import RankedPaper

_SEP = " · "


def render_text(digest: Digest, width: int = L.TEXT_WIDTH) -> str:
    """The digest as lines of at most `width` columns (URLs are never broken, so may run longer)."""
    day = format_day(digest.day)
    lines = [f"Daily Papers · {day}"]
    if digest.topics:
        lines += _wrap(f"Topics: {join_topics(digest.topics)}", width, "")
    if not digest.entries:
        topics = join_topics(digest.topics) if digest.topics else ""
        lines += _wrap(empty_message(digest.total, digest.offset, day, topics), width, "")
    else:
        first, last = digest.offset + 1, digest.offset + len(digest.entries)
        lines.append(f"Papers {first}–{last} of {digest.total}")
        number_width = len(str(last)) + 2  # "12. "
        for rank, entry in enumerate(digest.entries, first):
            lines.append("")
            lines += _entry(entry, rank, width, number_width)
    if digest.more:
        url = safe_url(digest.more_url) or "Hugging Face"
        lines += ["", f"{digest.more} more at {url}"]
    return "\n".join(lines) + "\n"


def _entry(entry: RankedPaper, rank: int, width: int, indent_width: int) -> list[str]:
    v = paper_view(entry.paper)
    indent = " " * indent_width
    number = f"{rank}.".rjust(indent_width - 1) + " "
    out = textwrap.wrap(v.title, width, initial_indent=number, subsequent_indent=indent)
    meta = [f"▲ {v.upvotes}"]
    if v.comments:
        meta.append(plural(v.comments, "comment"))
    if v.stars is not None:
        meta.append(f"★ {compact(v.stars)}")
    if entry.matched_topics:
        meta.append(f"topics: {join_topics(entry.matched_topics)}")
    if entry.feedback:  # the voted papers it is most like: liked when they raised it, else disliked
        nearest = entry.feedback[0]
        voted = "liked" if nearest.vote > 0 else "disliked"
        meta.append(voted if nearest.paper_id == entry.paper.id else f"similar to {voted} {nearest.paper_id}")
    out += _wrap(_SEP.join(meta), width, indent)
    people = [v.authors + " et al." if v.et_al else v.authors] if v.authors else []
    if v.organization:
        people.append(v.organization)
    if people:
        out += _wrap(_SEP.join(people), width, indent)
    if v.summary:
        out += _wrap(v.summary, width, indent)
    for label, url in v.links:
        out.append(f"{indent}{label}: {url}")
    return out


def _wrap(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)
