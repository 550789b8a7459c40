"""Command replies as Slack and Discord payloads: buttons, notes, notices, hostile values."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.commands.language import ShowPapers
from bot.commands.payloads import MORE_ACTION, POST_ACTION, discord_reply, slack_reply
from bot.commands.replies import Listing, Notice, quote
from bot.render import limits as L
from tests.factories import make_paper
from tests.render.checks import DISCORD_MENTIONS, assert_slack_text_safe
from tests.render.helpers import digest_of

HOSTILE = [
    "<!channel>",
    "@everyone",
    "<@U123> hi",
    "`code` *bold*",
    "&lt;script&gt;",
    "a" * 5000,
    "\u202etxet",
]


def check_slack(payload: dict[str, Any]) -> None:
    assert 1 <= len(payload["blocks"]) <= L.SLACK_MAX_BLOCKS and payload["text"]
    for block in payload["blocks"]:
        Block.parse(block).validate_json()
        if block["type"] == "section":
            assert_slack_text_safe(block["text"]["text"])
        elif block["type"] == "context":
            for element in block["elements"]:
                assert_slack_text_safe(element["text"])


def check_discord(payload: dict[str, Any]) -> None:
    assert payload["allowed_mentions"] == {"parse": []}
    assert 1 <= len(payload["content"]) <= L.DISCORD_CONTENT_MAX
    for marker in DISCORD_MENTIONS:
        assert marker not in payload["content"], payload["content"]


def buttons(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for p in payloads for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_listing_has_post_and_more_buttons_that_round_trip() -> None:
    command = ShowPapers(query="agents")
    more = ShowPapers(query="agents", offset=5)
    digest = digest_of([make_paper(f"2510.0000{i}") for i in range(5)], total=12)
    payloads = slack_reply(Listing(digest, command, note="Showing Wed 15 Oct 2025.", more=more))
    for payload in payloads:
        check_slack(payload)
    post, more_button = buttons(payloads)
    assert (post["action_id"], ShowPapers.from_value(post["value"])) == (POST_ACTION, command)
    assert (more_button["action_id"], ShowPapers.from_value(more_button["value"])) == (MORE_ACTION, more)
    assert more_button["text"]["text"] == "More (7 left)"
    assert payloads[0]["blocks"][0]["elements"][0]["text"] == "Showing Wed 15 Oct 2025."


def test_posted_listing_has_no_post_button() -> None:
    digest = digest_of([make_paper()])
    payloads = slack_reply(Listing(digest, ShowPapers()), shareable=False)
    assert buttons(payloads) == []


def test_full_message_gets_its_buttons_in_a_message_of_their_own() -> None:
    digest = digest_of([make_paper(f"2510.{i:05d}", title=f"T{i}") for i in range(16)], total=40)
    payloads = slack_reply(Listing(digest, ShowPapers(top=16), more=ShowPapers(top=16, offset=16)))
    for payload in payloads:
        check_slack(payload)
    assert len(buttons(payloads)) == 2


def test_notice_is_escaped_on_both_platforms() -> None:
    for value in HOSTILE:
        notice = Notice("Subscribed", (f"Topic {quote(value)} added.", f"raw {value}"), tone="ok")
        (slack,) = slack_reply(notice)
        check_slack(slack)
        (discord,) = discord_reply(notice)
        check_discord(discord)


def test_quote_keeps_values_inside_one_code_span() -> None:
    assert quote("a `b` c") == "`a 'b' c`"
    assert len(quote("x" * 500)) == 102 and quote("x" * 500).endswith("…`")


def test_discord_listing_carries_the_note() -> None:
    payloads = discord_reply(Listing(digest_of([make_paper()]), ShowPapers(), note="Showing *Wed*."))
    assert payloads[0]["content"].startswith("Showing \\*Wed\\*.")
    check_discord(payloads[0])


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000), st.text(max_size=300))
def test_any_notice_text_is_safe(title: str, value: str) -> None:
    notice = Notice(title or "t", (f"value {quote(value)}", value), tone="error")
    (slack,) = slack_reply(notice)
    assert len(slack["text"]) <= L.SLACK_FALLBACK_TEXT_MAX
    for block in slack["blocks"]:
        Block.parse(block).validate_json()
        assert "<!" not in block["text"]["text"] and "<@" not in block["text"]["text"]
    check_discord(discord_reply(notice)[0])
