"""Escaping per platform, and the URL guard."""

from __future__ import annotations

import pytest

from bot.render.escape import ZWSP, discord_escape, safe_url, slack_escape, slack_link_text
from bot.render.limits import URL_MAX


def test_slack_escape_the_three_control_characters() -> None:
    assert slack_escape("<!channel> & <@U123> > x") == "&lt;!channel&gt; &amp; &lt;@U123&gt; &gt; x"
    assert slack_escape("&lt;") == "&amp;lt;"  # shown literally, as it came
    assert slack_escape("plain") == "plain"


def test_slack_link_text_has_no_separator() -> None:
    assert slack_link_text("a|b <c>") == "a∣b &lt;c&gt;"


@pytest.mark.parametrize(
    "hostile",
    ["@everyone", "@here", "<@123456>", "<@!123>", "<@&987>", "<#42>", "<:emoji:1>", "</cmd:1>", "<t:0:R>"],
)
def test_discord_escape_breaks_every_mention(hostile: str) -> None:
    out = discord_escape(f"hi {hostile} there")
    for marker in ("@everyone", "@here", "<@", "<#", "<:", "</", "<t:"):
        assert marker not in out


def test_discord_escape_markdown() -> None:
    assert discord_escape("**bold** _it_ ~~s~~ `c` ||sp|| [l](u) > q") == (
        r"\*\*bold\*\* \_it\_ \~\~s\~\~ \`c\` \|\|sp\|\| \[l\]\(u\) \> q"
    )
    assert discord_escape("# heading") == r"\# heading"
    assert discord_escape("- item") == r"\- item"
    assert discord_escape("a\\b") == "a\\\\b"
    assert discord_escape("@x") == "@" + ZWSP + "x"


@pytest.mark.parametrize(
    "url",
    ["https://github.com/AMAP-ML/EPG", "http://example.org/a?b=c&d=e#f", "https://x.io:8080/p%20q"],
)
def test_safe_url_keeps_good_urls(url: str) -> None:
    assert safe_url(url) == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/a|b>c", "https://github.com/a%7Cb%3Ec"),
        ("https://example.org/a b", "https://example.org/a%20b"),
        ("https://example.org/(x)", "https://example.org/%28x%29"),
        ("https://example.org/@everyone", "https://example.org/%40everyone"),
        ("https://example.org/é", "https://example.org/%C3%A9"),
    ],
)
def test_safe_url_encodes_what_would_break_links(url: str, expected: str) -> None:
    assert safe_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "javascript:alert(1)",
        "ftp://example.org/x",
        "https://",
        "https://<!channel>",
        "https://example.org/" + "a" * URL_MAX,
        "//example.org/x",
        "https://example.org/\ud800",
    ],
)
def test_safe_url_refuses(url: str | None) -> None:
    assert safe_url(url) is None
