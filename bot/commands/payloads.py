"""Command replies (bot.commands.replies) as Slack and Discord payloads.

A Listing is a rendered digest plus a note and, on Slack, the "Post to channel" and "More"
buttons; a Notice is a titled block of short lines whose only markup is `code spans`.
"""

from __future__ import annotations

import re
from typing import Any

from bot.commands.replies import Notice, Reply
from bot.render import limits as L
from bot.render.discord import render_discord
from bot.render.escape import ZWSP, discord_escape, slack_escape
from bot.render.slack import render_slack
from bot.text_format import fit, one_line

Payload = dict[str, Any]

POST_ACTION = "papers_post"  # Slack action_ids the Slack adapter listens for
MORE_ACTION = "papers_more"
_TONE = {"info": "📄", "ok": "✅", "warning": "⚠️", "error": "❌"}
_CODE = re.compile(r"(`[^`\n]*`)")


def slack_reply(reply: Reply, *, shareable: bool = True) -> list[Payload]:
    """Payloads for `respond()` / `chat.postMessage`. `shareable` adds "Post to channel"."""
    if isinstance(reply, Notice):
        return [_slack_notice(_clean(reply))]
    payloads = render_slack(reply.digest, reply.votes)
    if reply.note:
        _slack_insert(
            payloads, 0, {"type": "context", "elements": [_mrkdwn(_slack_text(one_line(reply.note), 2000))]}
        )
    buttons = []
    if shareable:
        buttons.append(_button("Post to channel", POST_ACTION, reply.command.to_value(), primary=True))
    if reply.more:
        buttons.append(_button(f"More ({reply.digest.more} left)", MORE_ACTION, reply.more.to_value()))
    if buttons:
        _slack_insert(payloads, len(payloads[-1]["blocks"]), {"type": "actions", "elements": buttons})
    return payloads


def discord_reply(reply: Reply) -> list[Payload]:
    """Message payloads (content, embeds, allowed_mentions) for an interaction answer."""
    if isinstance(reply, Notice):
        reply = _clean(reply)
        text = f"{_TONE[reply.tone]} **{_discord_text(reply.title)}**"
        content = _whole_lines(text, [_discord_text(line) for line in reply.lines], L.DISCORD_CONTENT_MAX)
        return [{"content": content, "embeds": [], "allowed_mentions": {"parse": []}}]
    payloads = render_discord(reply.digest, reply.votes)
    if reply.note:
        first = payloads[0]
        note = _discord_text(one_line(reply.note))
        first["content"] = f"{note}\n{first['content']}"[: L.DISCORD_CONTENT_MAX]
    return payloads


def notice_text(notice: Notice) -> str:
    """The notice as plain text (the Slack fallback, and terminals)."""
    return "\n".join([notice.title, *notice.lines])


def _clean(notice: Notice) -> Notice:
    """Control and bidi characters out of every line (they could reorder or hide text)."""
    return Notice(one_line(notice.title), tuple(one_line(line) for line in notice.lines), notice.tone)


def _slack_text(text: str, limit: int) -> str:
    return fit(text, limit, slack_escape)


def _discord_text(text: str) -> str:
    """Escape Discord markdown outside our `code spans`; inside them only break mentions."""
    parts = _CODE.split(text)
    return "".join(_break_mentions(part) if i % 2 else discord_escape(part) for i, part in enumerate(parts))


def _whole_lines(title: str, lines: list[str], limit: int) -> str:
    """`title` and the escaped `lines` in at most `limit` characters: escaping can make lines much
    longer than written (Discord: every `@` and `<` gains a zero-width space; Slack: `<` is `&lt;`),
    so the lines that do not fit are left out whole, for a "…", rather than one cut inside a code
    span; the last line (a notice's way on) is kept when it fits beside the title."""
    out = [title]
    used = len(title)
    last = lines[-1] if lines else ""
    reserve = len(last) + 3 if len(title) + len(last) + 3 <= limit else 0  # "\n…\n" + the last line
    for k, line in enumerate(lines):
        if used + 1 + len(line) + (reserve if k < len(lines) - 1 else 0) > limit:
            out.append("…")
            if reserve:
                out.append(last)
            break
        out.append(line)
        used += 1 + len(line)
    return "\n".join(out)[:limit]


def _break_mentions(text: str) -> str:
    return text.replace("@", "@" + ZWSP).replace("<", "<" + ZWSP)


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _button(label: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label[: L.SLACK_BUTTON_TEXT_MAX]},
        "action_id": action_id,
        "value": value[:2000],
    }
    if primary:
        button["style"] = "primary"
    return button


def _slack_insert(payloads: list[Payload], index: int, block: dict[str, Any]) -> None:
    """Put `block` into the first/last payload, or a payload of its own when that one is full."""
    target = payloads[0] if index == 0 else payloads[-1]
    if len(target["blocks"]) < L.SLACK_MAX_BLOCKS:
        target["blocks"].insert(index, block)
    elif index == 0:
        payloads.insert(0, {"text": target["text"], "blocks": [block]})
    else:
        payloads.append({"text": target["text"], "blocks": [block]})


def _slack_notice(notice: Notice) -> Payload:
    title = f"{_TONE[notice.tone]} *{_slack_text(notice.title, 200)}*"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": _mrkdwn(title)}]
    if notice.lines:
        limit = L.SLACK_SECTION_TEXT_MAX
        first, *rest = (_slack_text(line, limit) for line in notice.lines)
        blocks.append({"type": "section", "text": _mrkdwn(_whole_lines(first, rest, limit))})
    return {"text": fit(notice_text(notice), L.SLACK_FALLBACK_TEXT_MAX, slack_escape), "blocks": blocks}
