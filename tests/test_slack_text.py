"""Slack's escaping and link markup decoded exactly once (bot/slack_text.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.escape import slack_escape
from bot.slack_text import unescape, user_text


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("search Q&amp;A", "search Q&A"),
        ('subscribe "R&amp;D"', 'subscribe "R&D"'),
        ("a &lt;b&gt; c", "a <b> c"),
        ("&amp;amp; &amp;lt;", "&amp; &lt;"),  # the user typed entities: they stay text
        ("&amp;&amp;&amp;", "&&&"),
        ("why <https://arxiv.org/abs/2510.12586>", "why https://arxiv.org/abs/2510.12586"),
        ("why <http://arxiv.org/abs/2510.12586|arxiv.org/abs/2510.12586>", "why arxiv.org/abs/2510.12586"),
        ("<https://example.org/?a=1&amp;b=2>", "https://example.org/?a=1&b=2"),
        # a link with a label of its own keeps both, as a Markdown link (what Discord users type)
        ("<https://example.org/?q=a%7Cb|a&amp;b>", "[a&b](https://example.org/?q=a%7Cb)"),
        (
            "why <https://arxiv.org/abs/2510.12586|the paper>",
            "why [the paper](https://arxiv.org/abs/2510.12586)",
        ),
        ("<https://arxiv.org/abs/2510.12586/|arxiv.org/abs/2510.12586>", "arxiv.org/abs/2510.12586"),
        (
            "<https://arxiv.org/abs/2510.12586|https://arxiv.org/abs/2510.12586>",
            "https://arxiv.org/abs/2510.12586",
        ),
        ("<http://ARXIV.org/abs/1|arxiv.org/abs/1>", "arxiv.org/abs/1"),
        ("<mailto:ana@example.org|ana@example.org>", "ana@example.org"),
        ("ask <@U123|ana> in <#C123|general>", "ask @ana in #general"),
        ("<@U123> <#C123>", "@U123 #C123"),
        ("<!here> <!channel> <!everyone> <!here|here>", "@here @channel @everyone @here"),
        ("<!subteam^S1|@team>", "@team"),
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        ("", ""),
        ("plain", "plain"),
        ("a > b", "a > b"),  # never sent by Slack, but a stray bracket is left as it is
    ],
)
def test_slack_text_becomes_what_the_user_typed(sent: str, typed: str) -> None:
    assert user_text(sent) == typed


@given(st.text(max_size=200))
def test_decoding_inverts_slack_escaping_exactly_once(typed: str) -> None:
    assert unescape(slack_escape(typed)) == typed
    assert user_text(slack_escape(typed)) == typed  # no markup: what Slack escaped comes back whole


@given(st.text(alphabet="&<>|ampltg;@#!x:/", max_size=60))
def test_user_text_never_raises_and_grows_at_most_a_character_a_link(sent: str) -> None:
    out = user_text(sent)
    assert isinstance(out, str) and len(out) <= len(sent) + sent.count("|")
