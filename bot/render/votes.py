"""The 👍/👎 buttons under each paper, and relabelling them when a channel's counts change.

Slack: one `actions` block per paper (block_id `papers_vote:<paper id>`, two buttons with the
action ids below), so a post needs 4 blocks a paper instead of 3 (render_slack splits by it).
Discord: message components, at most 5 action rows of 5 buttons per message; two papers a row
(👍 and 👎 each, labelled with the paper's rank) is 10 papers a message, and render_discord never
puts more than 10 papers (embeds) in one message, so every paper of every message has its buttons.
Labels are plain text (Slack `plain_text`, Discord button labels): counts cannot ping anyone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LIKE_ACTION = "papers_vote_up"  # Slack action_ids (unique within the paper's block)
DISLIKE_ACTION = "papers_vote_down"
VOTE_ACTIONS = re.compile(r"^papers_vote_(up|down)$")
BLOCK_PREFIX = "papers_vote:"
LIKE, DISLIKE = "👍", "👎"
DISCORD_ROW_MAX = 5  # action rows per message
DISCORD_PAPERS_PER_ROW = 2  # 👍 and 👎 of two papers: 4 of the 5 buttons a row may hold
DISCORD_PAPERS_MAX = DISCORD_ROW_MAX * DISCORD_PAPERS_PER_ROW
_BUTTON = 2  # Discord component types
_ROW = 1
_SECONDARY = 2  # Discord button style


@dataclass(frozen=True, slots=True)
class VoteBar:
    """One paper's buttons: their (signed) values and the channel's counts."""

    like: str
    dislike: str
    likes: int = 0
    dislikes: int = 0


#: paper id -> its bar; a paper without one is shown without buttons.
VoteBars = Mapping[str, VoteBar]


def slack_vote_block(paper_id: str, bar: VoteBar) -> dict[str, Any]:
    """The paper's `actions` block."""
    return {
        "type": "actions",
        "block_id": f"{BLOCK_PREFIX}{paper_id}"[:255],
        "elements": [
            _slack_button(LIKE, bar.likes, LIKE_ACTION, bar.like),
            _slack_button(DISLIKE, bar.dislikes, DISLIKE_ACTION, bar.dislike),
        ],
    }


def _slack_button(emoji: str, count: int, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": f"{emoji} {count}", "emoji": True},
        "action_id": action_id,
        "value": value,
    }


def slack_paper_ids(blocks: Sequence[Any]) -> list[str]:
    """The papers a message's blocks have vote buttons for."""
    return [
        b["block_id"][len(BLOCK_PREFIX) :]
        for b in blocks
        if isinstance(b, dict)
        and b.get("type") == "actions"
        and str(b.get("block_id", "")).startswith(BLOCK_PREFIX)
    ]


def slack_vote_values(blocks: Sequence[Any]) -> set[str]:
    """Every vote button value in a message's blocks."""
    return {
        str(e.get("value"))
        for b in blocks
        if isinstance(b, dict) and str(b.get("block_id", "")).startswith(BLOCK_PREFIX)
        for e in b.get("elements") or ()
        if isinstance(e, dict)
    }


def slack_relabelled(
    blocks: Sequence[dict[str, Any]], counts: Mapping[str, tuple[int, int]]
) -> list[dict[str, Any]]:
    """`blocks` with each vote button showing `counts[paper] = (likes, dislikes)`; all else as it was."""
    out = []
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        paper = block_id[len(BLOCK_PREFIX) :] if block_id.startswith(BLOCK_PREFIX) else None
        if block.get("type") == "actions" and paper in counts:
            likes, dislikes = counts[paper]
            elements = []
            for e in block.get("elements") or ():
                if e.get("action_id") == LIKE_ACTION:
                    e = _slack_button(LIKE, likes, LIKE_ACTION, str(e.get("value")))
                elif e.get("action_id") == DISLIKE_ACTION:
                    e = _slack_button(DISLIKE, dislikes, DISLIKE_ACTION, str(e.get("value")))
                elements.append(e)
            block = {**block, "elements": elements}
        out.append(block)
    return out


def discord_label(rank: int, count: int) -> str:
    return f"#{rank} · {count}"


def discord_vote_rows(papers: Sequence[tuple[int, str]], bars: VoteBars) -> list[dict[str, Any]]:
    """Action rows for `papers` ((rank, paper id), at most DISCORD_PAPERS_MAX) of one message."""
    buttons = []
    for rank, paper_id in papers[:DISCORD_PAPERS_MAX]:
        bar = bars.get(paper_id)
        if bar is None:
            continue
        buttons.append(
            [
                _discord_button(LIKE, rank, bar.likes, bar.like),
                _discord_button(DISLIKE, rank, bar.dislikes, bar.dislike),
            ]
        )
    rows = []
    for i in range(0, len(buttons), DISCORD_PAPERS_PER_ROW):
        pair = buttons[i : i + DISCORD_PAPERS_PER_ROW]
        rows.append({"type": _ROW, "components": [b for paper in pair for b in paper]})
    return rows


def _discord_button(emoji: str, rank: int, count: int, custom_id: str) -> dict[str, Any]:
    return {
        "type": _BUTTON,
        "style": _SECONDARY,
        "emoji": {"name": emoji},
        "label": discord_label(rank, count),
        "custom_id": custom_id,
    }
