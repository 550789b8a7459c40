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
        body = "\n".join(_discord_text(line) for line in reply.lines)
        content = f"{text}\n{body}" if body else text
        return [
            {"content": content[: L.DISCORD_CONTENT_MAX], "embeds": [], "allowed_mentions": {"parse": []}}
        ]
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
    body = "\n".join(notice.lines)
    if body:
        blocks.append({"type": "section", "text": _mrkdwn(_slack_text(body, L.SLACK_SECTION_TEXT_MAX))})
    return {"text": fit(notice_text(notice), L.SLACK_FALLBACK_TEXT_MAX, slack_escape), "blocks": blocks}
