"""Slack: a digest as `chat.postMessage` payloads (Block Kit), split so each one is accepted.

No SDK here: plain dicts in the Web API's shape. Every outside string goes through `slack_escape`
(or `slack_link_text` inside `<url|text>`), so `<!channel>` and friends arrive as visible text.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.render import limits as L
from bot.render.escape import safe_url, slack_escape, slack_link_text
from bot.render.view import PaperMemo, build_paper_view, empty_message, topics_line
from bot.render.votes import VoteBars, slack_vote_block
from bot.text_format import compact, fit, format_day, plural

if TYPE_CHECKING:
    from bot.digest import Digest
    from bot.papers import Paper
    from bot.ranking.types import RankedPaper

Payload = dict[str, Any]
_Entry = tuple[list[dict[str, Any]], int, str]  # blocks, estimated JSON size, fallback piece
_ENTRY_BLOCKS = 3  # divider, section, context
_ENTRY_OVERHEAD = _ENTRY_BLOCKS * L.SLACK_BLOCK_JSON_OVERHEAD
_SEP = " · "
_RANK_RESERVE = 16  # "*{rank}. " in front of a memoised section body


def render_slack(digest: Digest, votes: VoteBars | None = None) -> list[Payload]:
    """One or more `{"text": fallback, "blocks": [...]}` payloads (add `channel` to post them).

    With `votes`, each paper that has a bar there gets its 👍/👎 block (bot.render.votes)."""
    day = format_day(digest.day)
    footer, footer_text = _footer(digest)
    if not digest.entries:
        return [_empty(digest, day, footer, footer_text)]

    entries = [_entry(e, rank, votes) for rank, e in enumerate(digest.entries, digest.offset + 1)]
    head = _head(digest, day)
    reserve = max(_json_cost(head), _json_cost(_continued(day, 999, 999))) + _json_cost(footer)
    reserve_blocks = max(len(head), 1) + len(footer)
    groups: list[list[_Entry]] = []
    group: list[_Entry] = []
    cost, blocks_used = reserve, reserve_blocks
    for entry in entries:
        if group and (
            cost + entry[1] > L.SLACK_MESSAGE_CHAR_BUDGET or blocks_used + len(entry[0]) > L.SLACK_MAX_BLOCKS
        ):
            groups.append(group)
            group, cost, blocks_used = [], reserve, reserve_blocks
        group.append(entry)
        cost += entry[1]
        blocks_used += len(entry[0])
    groups.append(group)

    payloads = []
    parts = len(groups)
    for n, group in enumerate(groups, 1):
        blocks = list(head) if n == 1 else _continued(day, n, parts)
        for entry in group:
            blocks.extend(entry[0])
        prefix = f"Daily Papers · {day}" + (f" ({n}/{parts})" if parts > 1 else "") + ": "
        suffix = ""
        if n == parts:
            blocks.extend(footer)
            suffix = footer_text
        text = _fallback(prefix, [entry[2] for entry in group], suffix)
        payloads.append({"text": text, "blocks": blocks})
    return payloads


def _entry(entry: RankedPaper, rank: int, votes: VoteBars | None = None) -> _Entry:
    """Blocks of one paper, their estimated JSON size, and its piece of the fallback text."""
    body, title, tail, cost = _bodies.get(entry.paper)
    text = f"*{rank}. {body}"
    context = f"#{rank}"
    if entry.matched_topics:
        context += _SEP + "Topics: " + topics_line(entry.matched_topics, slack_escape)
    context += tail
    blocks = [
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
    ]
    cost += len(text) + len(context)
    if '"' in context or "\\" in context:  # JSON doubles these
        cost += context.count('"') + context.count("\\")
    bar = votes.get(entry.paper.id) if votes else None
    if bar is not None:
        block = slack_vote_block(entry.paper.id, bar)
        blocks.append(block)
        cost += len(json.dumps(block, ensure_ascii=False))
    return blocks, cost, f"{rank}. {title}"


def _body(paper: Paper) -> tuple[str, str, str, int]:
    """The paper's part of its section after "*{rank}. ", its fallback piece, its context tail, and
    the JSON overhead of its blocks: all fixed for a paper, so memoised."""
    v = build_paper_view(paper)  # this memo covers it: no second lookup
    title = fit(v.title, L.TITLE_MAX, slack_link_text)
    lines = [f"<{v.hf_url}|{title}>*" if v.hf_url else f"{title}*"]
    meta = f"▲ {v.upvotes}"
    if v.authors:
        authors = fit(v.authors, L.AUTHORS_TEXT_MAX, slack_escape)
        meta += _SEP + (authors + " et al." if v.et_al else authors)
    if v.organization:
        meta += _SEP + fit(v.organization, L.ORG_MAX, slack_escape)
    lines.append(meta)
    if v.summary:
        lines.append(fit(v.summary, L.SUMMARY_MAX, slack_escape))
    text = "\n".join(lines)
    links = ""
    room = L.SLACK_SECTION_TEXT_MAX - _RANK_RESERVE - len(text) - 1
    for label, url in v.links:  # a link that would overflow the section is left out, never cut
        link = f"<{url}|{label}>" if not links else f"{_SEP}<{url}|{label}>"
        if len(links) + len(link) <= room:
            links += link
    if links:
        text += "\n" + links
    tail = ""
    if v.stars is not None:
        tail += f"{_SEP}★ {compact(v.stars)}"
    if v.comments:
        tail += f"{_SEP}💬 {plural(v.comments, 'comment')}"
    cost = _ENTRY_OVERHEAD
    if '"' in text or "\\" in text:  # JSON doubles these
        cost += text.count('"') + text.count("\\")
    return text, f"{fit(v.title, L.TITLE_MAX, slack_escape)} (▲ {v.upvotes})", tail, cost


_bodies: PaperMemo[tuple[str, str, str, int]] = PaperMemo(_body)


def _header(day: str) -> dict[str, Any]:
    text = f"Daily Papers · {day}"[: L.SLACK_HEADER_TEXT_MAX]
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _head(digest: Digest, day: str) -> list[dict[str, Any]]:
    first = digest.offset + 1
    last = digest.offset + len(digest.entries)
    line = f"Papers {first}–{last} of {digest.total}"
    if digest.topics:
        line = "Topics: " + topics_line(digest.topics, slack_escape) + _SEP + line
    return [_header(day), _context(line)]


def _continued(day: str, n: int, parts: int) -> list[dict[str, Any]]:
    return [_context(f"Daily Papers · {day} · continued ({n}/{parts})")]


def _footer(digest: Digest) -> tuple[list[dict[str, Any]], str]:
    """ "N more at <url>" as blocks and as fallback text; nothing when every paper is shown."""
    more = digest.more
    if not more:
        return [], ""
    url = safe_url(digest.more_url)
    if url is None:
        return [_context(f"*{more} more* on Hugging Face")], f" · {more} more on Hugging Face"
    shown = url.split("://", 1)[1]
    return [{"type": "divider"}, _context(f"*{more} more* at <{url}|{shown}>")], f" · {more} more at {url}"


def _empty(digest: Digest, day: str, footer: list[dict[str, Any]], footer_text: str) -> Payload:
    topics = topics_line(digest.topics, slack_escape) if digest.topics else ""
    message = empty_message(digest.total, digest.offset, day, topics)
    blocks = [_header(day), {"type": "section", "text": {"type": "mrkdwn", "text": message}}, *footer]
    return {"text": _fallback(f"Daily Papers · {day}: ", [message], footer_text), "blocks": blocks}


def _fallback(prefix: str, pieces: list[str], suffix: str) -> str:
    """Plain `text` for notifications and screen readers; whole pieces only (no entity cut in half)."""
    limit = L.SLACK_FALLBACK_TEXT_MAX - len(suffix) - 2
    text = prefix
    for i, piece in enumerate(pieces):
        add = piece if i == 0 else "; " + piece
        if len(text) + len(add) > limit:
            text += " …"
            break
        text += add
    return text + suffix


def _json_cost(blocks: list[dict[str, Any]]) -> int:
    return len(json.dumps(blocks, ensure_ascii=False)) + 2 * len(blocks) if blocks else 0
