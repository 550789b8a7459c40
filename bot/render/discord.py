"""Discord: a digest as message-create payloads (content + embeds), split so each one is accepted.

No SDK here: plain dicts in the REST API's shape. Outside text goes through `discord_escape`
(markdown escaped, mentions broken) and every payload carries allowed_mentions {"parse": []}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.render import limits as L
from bot.render.escape import discord_escape, safe_url
from bot.render.view import empty_message, paper_view, topics_line
from bot.render.votes import DISCORD_PAPERS_MAX, VoteBars, discord_vote_rows
from bot.text_format import compact, fit, format_day, plural

if TYPE_CHECKING:
    from bot.digest import Digest
    from bot.ranking.types import RankedPaper

Payload = dict[str, Any]
HF_YELLOW = 0xFFD21E
_SEP = " · "


def render_discord(digest: Digest, votes: VoteBars | None = None) -> list[Payload]:
    """One or more `{"content", "embeds", "allowed_mentions"}` payloads, at most 10 embeds and
    6000 embed characters each. With `votes`, each payload also has `components`: the 👍/👎
    buttons of its papers (bot.render.votes; at most 10 papers a message, so all fit)."""
    day = format_day(digest.day)
    footer = _footer(digest)
    if not digest.entries:
        return [_payload(_content(_empty_line(digest, day), footer), [])]

    groups: list[list[dict[str, Any]]] = []
    group: list[dict[str, Any]] = []
    shown: list[list[tuple[int, str]]] = []  # (rank, paper id) of each group's papers
    ids: list[tuple[int, str]] = []
    size = 0
    most = min(L.DISCORD_MAX_EMBEDS, DISCORD_PAPERS_MAX)
    for rank, entry in enumerate(digest.entries, digest.offset + 1):
        embed, embed_size = _embed(entry, rank)
        if group and (size + embed_size > L.DISCORD_EMBEDS_TOTAL_MAX or len(group) >= most):
            groups.append(group)
            shown.append(ids)
            group, ids, size = [], [], 0
        group.append(embed)
        ids.append((rank, entry.paper.id))
        size += embed_size
    groups.append(group)
    shown.append(ids)

    head = f"**Daily Papers · {day}**"
    if digest.topics:
        head += "\nTopics: " + topics_line(digest.topics, discord_escape)
    head += f"\nPapers {digest.offset + 1}–{digest.offset + len(digest.entries)} of {digest.total}"
    parts = len(groups)
    payloads = []
    for n, embeds in enumerate(groups, 1):
        line = head if n == 1 else f"Daily Papers · {day} · continued ({n}/{parts})"
        payload = _payload(_content(line, footer if n == parts else ""), embeds)
        if votes:
            payload["components"] = discord_vote_rows(shown[n - 1], votes)
        payloads.append(payload)
    return payloads


def embed_size(embed: dict[str, Any]) -> int:
    """Characters Discord counts towards the 6000 per message (as discord.py's `len(Embed)`)."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", ()))
    total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    return total


def _embed(entry: RankedPaper, rank: int) -> tuple[dict[str, Any], int]:
    """One paper as an embed, and its size as Discord counts it."""
    v = paper_view(entry.paper)
    title = fit(f"{rank}. {v.title}", L.DISCORD_EMBED_TITLE_MAX, discord_escape)
    embed: dict[str, Any] = {"title": title, "color": HF_YELLOW}
    if v.hf_url:
        embed["url"] = v.hf_url
    size = len(title)
    if v.summary:
        embed["description"] = description = fit(v.summary, L.DISCORD_DESCRIPTION_BUDGET, discord_escape)
        size += len(description)
    fields = [{"name": "Upvotes", "value": f"▲ {v.upvotes}", "inline": True}]
    if v.organization:
        org = fit(v.organization, L.ORG_MAX, discord_escape)
        fields.append({"name": "Organization", "value": org, "inline": True})
    if v.authors:
        authors = fit(v.authors, L.AUTHORS_TEXT_MAX, discord_escape)
        fields.append(
            {"name": "Authors", "value": authors + " et al." if v.et_al else authors, "inline": False}
        )
    links = ""
    for label, url in v.links:  # a link that would overflow the field is left out, never cut
        link = f"[{label}]({url})" if not links else f"{_SEP}[{label}]({url})"
        if len(links) + len(link) <= L.DISCORD_FIELD_VALUE_MAX:
            links += link
    if links:
        fields.append({"name": "Links", "value": links, "inline": False})
    embed["fields"] = fields
    for f in fields:
        size += len(f["name"]) + len(f["value"])

    footer = f"#{rank}"
    if entry.matched_topics:
        footer += _SEP + "Topics: " + topics_line(entry.matched_topics, discord_escape)
    if v.stars is not None:
        footer += f"{_SEP}★ {compact(v.stars)}"
    if v.comments:
        footer += f"{_SEP}💬 {plural(v.comments, 'comment')}"
    embed["footer"] = {"text": footer}
    size += len(footer)
    if v.thumbnail and (thumbnail := safe_url(v.thumbnail)):
        embed["thumbnail"] = {"url": thumbnail}
    return embed, size


def _footer(digest: Digest) -> str:
    more = digest.more
    if not more:
        return ""
    url = safe_url(digest.more_url)
    # <url> stops Discord from unfurling a preview of the list page.
    return f"**{more} more** at <{url}>" if url else f"**{more} more** on Hugging Face"


def _empty_line(digest: Digest, day: str) -> str:
    topics = topics_line(digest.topics, discord_escape) if digest.topics else ""
    return empty_message(digest.total, digest.offset, day, topics)


def _content(line: str, footer: str) -> str:
    return f"{line}\n{footer}" if footer else line


def _payload(content: str, embeds: list[dict[str, Any]]) -> Payload:
    return {"content": content[: L.DISCORD_CONTENT_MAX], "embeds": embeds, "allowed_mentions": {"parse": []}}
