"""Assertions every rendered payload must pass: platform limits, SDK validation, no pings, no junk.

Used by the unit tests, the real-day tests and the hostile-input property test alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

import discord
from slack_sdk.models.blocks import Block

from bot.render import limits as L

# Our own links: <http(s)://url|text>; the URL has no space, | or >, the text no < > |.
SLACK_LINK = re.compile(r"<(https?://[^\s|<>]+)\|([^<>|]+)>")
DISCORD_MD = frozenset("*_~`|[]()>")
JUNK = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff]")
MENTION_LIKE = ("<!", "<@", "<#")
DISCORD_MENTIONS = ("@everyone", "@here", "<@", "<#", "<:", "</", "<t:")


def slack_texts(payload: dict[str, Any]) -> list[str]:
    """Every mrkdwn string of a payload (block texts, context elements) plus the fallback."""
    texts = [payload["text"]]
    for block in payload["blocks"]:
        if block["type"] in ("section",):
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts += [e["text"] for e in block["elements"]]
    return texts


def assert_slack_text_safe(text: str) -> None:
    assert not JUNK.search(text), repr(text)
    outside = SLACK_LINK.sub("", text)
    # Outside our links no angle bracket at all survives: so no <!channel>, <@U1>, <#C1>, <!subteam^S1>.
    assert "<" not in outside and ">" not in outside, repr(text)
    for marker in MENTION_LIKE:
        assert marker not in outside
    for url, label in SLACK_LINK.findall(text):
        assert len(url) <= L.URL_MAX
        assert "<" not in label and ">" not in label and "|" not in label


def assert_slack_payload_ok(payload: dict[str, Any]) -> None:
    assert set(payload) == {"text", "blocks"}
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= L.SLACK_MAX_BLOCKS
    assert 1 <= len(payload["text"]) <= L.SLACK_FALLBACK_TEXT_MAX
    assert len(json.dumps(blocks, ensure_ascii=False)) <= L.SLACK_MESSAGE_CHAR_BUDGET
    assert L.SLACK_MESSAGE_CHAR_BUDGET < L.SLACK_MSG_BLOCKS_CHARS_REJECTED
    for block in blocks:
        Block.parse(block).validate_json()  # slack_sdk's own limits (section 3000, header 150, ...)
        if block["type"] == "header":
            assert 1 <= len(block["text"]["text"]) <= L.SLACK_HEADER_TEXT_MAX
            assert block["text"]["type"] == "plain_text"
        elif block["type"] == "section":
            assert 1 <= len(block["text"]["text"]) <= L.SLACK_SECTION_TEXT_MAX
            assert len(block.get("fields", ())) <= L.SLACK_SECTION_FIELDS_MAX
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= L.SLACK_CONTEXT_ELEMENTS_MAX
            for element in block["elements"]:
                assert 1 <= len(element["text"]) <= L.SLACK_SECTION_TEXT_MAX
        elif block["type"] == "actions":  # the 👍/👎 of a paper (bot.render.votes)
            assert 1 <= len(block["elements"]) <= L.SLACK_ACTIONS_ELEMENTS_MAX
            for element in block["elements"]:
                assert element["type"] == "button" and element["text"]["type"] == "plain_text"
                assert 1 <= len(element["text"]["text"]) <= L.SLACK_BUTTON_TEXT_MAX
                assert len(element["value"]) <= 2000 and len(element["action_id"]) <= 255
        else:
            assert block == {"type": "divider"}
        assert len(block.get("block_id", "")) <= L.SLACK_BLOCK_ID_MAX
    for text in slack_texts(payload):
        assert_slack_text_safe(text)


def assert_discord_markdown_escaped(text: str) -> None:
    """Every markdown character of outside text is preceded by a backslash."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        assert text[i] not in DISCORD_MD, f"raw {text[i]!r} at {i} in {text!r}"
        i += 1


def discord_texts(payload: dict[str, Any]) -> list[str]:
    texts = [payload["content"]]
    for embed in payload["embeds"]:
        texts += [embed["title"], embed.get("description", ""), embed["footer"]["text"]]
        for field in embed["fields"]:
            texts += [field["name"], field["value"]]
    return texts


def assert_discord_payload_ok(payload: dict[str, Any]) -> None:
    assert set(payload) == {"content", "embeds", "allowed_mentions"}
    assert payload["allowed_mentions"] == {"parse": []}
    assert 1 <= len(payload["content"]) <= L.DISCORD_CONTENT_MAX
    embeds = payload["embeds"]
    assert len(embeds) <= L.DISCORD_MAX_EMBEDS
    total = 0
    for data in embeds:
        embed = discord.Embed.from_dict(data)
        total += len(embed)
        assert 1 <= len(embed.title or "") <= L.DISCORD_EMBED_TITLE_MAX
        assert len(embed.description or "") <= L.DISCORD_EMBED_DESCRIPTION_MAX
        assert len(embed.fields) <= L.DISCORD_EMBED_FIELDS_MAX
        for field in embed.fields:
            assert 1 <= len(field.name or "") <= L.DISCORD_FIELD_NAME_MAX
            assert 1 <= len(field.value or "") <= L.DISCORD_FIELD_VALUE_MAX
        assert 1 <= len(embed.footer.text or "") <= L.DISCORD_FOOTER_TEXT_MAX
        for url in (embed.url, embed.thumbnail.url):
            if url is not None:
                assert re.fullmatch(r"https?://[^\s<>()|@\"]+", url) and len(url) <= L.URL_MAX, url
        # Outside text only: the description is all summary; the title is "N. title".
        assert_discord_markdown_escaped(data["title"])
        assert_discord_markdown_escaped(data.get("description", ""))
    assert total <= L.DISCORD_EMBEDS_TOTAL_MAX
    for text in discord_texts(payload):
        assert not JUNK.search(text), repr(text)
        for marker in DISCORD_MENTIONS:
            assert marker not in text, (marker, text)
