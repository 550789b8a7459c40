"""Property test: hostile titles, abstracts, authors, topics and URLs never break a payload or ping.

Each example renders to Slack, Discord and text and checks every limit (tests/render/checks.py).
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.papers import Paper
from bot.render import render_discord, render_slack, render_text
from tests.render.checks import JUNK, assert_discord_payload_ok, assert_slack_payload_ok
from tests.render.helpers import Digest, ranked

PIECES = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "@everyone",
    "@here",
    "<@U123>",
    "<@!42>",
    "<@&99>",
    "<#C1>",
    "<!subteam^S1>",
    "&lt;",
    "&amp;",
    "&",
    "<",
    ">",
    "|",
    "<https://evil.example|click>",
    "*bold*",
    "_it_",
    "~s~",
    "`code`",
    "```",
    "||spoiler||",
    "[x](https://evil.example)",
    "> quote",
    "# head",
    "- item",
    "\\",
    '"',
    "$\\nabla^2$",
    "</think>",
    "<|im_end|>",
    "😀",
    "👩‍🔬",
    "שלום",
    "مرحبا",
    "\u202e",
    "\u2066",
    "\x00",
    "\x1b[31m",
    "\n",
    "\t",
    "\u200b",
    "\ufeff",
    "\ud800",
    "e.g.",
    "et al.",
    ". ",
    "word",
    " ",
]
piece = st.sampled_from(PIECES) | st.text(max_size=12)
hostile = st.lists(piece, max_size=25).map("".join)
long_hostile = st.tuples(st.sampled_from([*PIECES, "x"]), st.integers(1, 10_000)).map(
    lambda t: (t[0] * (t[1] // max(1, len(t[0])) + 1))[: t[1]]
)
text = hostile | long_hostile
urls = st.none() | st.sampled_from(
    [
        "https://github.com/org/repo",
        "https://github.com/a|b>c <!channel>",
        "https://example.org/@everyone",
        "javascript:alert(1)",
        "https://example.org/" + "a" * 5000,
        "https://example.org/(x)[y]",
        "http://example.org/\u202e/ok",
        "https://example.org/\ud800",
    ]
)
authors = st.lists(text, max_size=6).map(tuple) | st.integers(0, 300).map(
    lambda n: tuple(f"<@U{i}> @everyone" for i in range(n))
)
ids = st.sampled_from(["2510.00001", "2510.12586"]) | text.filter(bool)
counts = st.integers(0, 10**7)


@st.composite
def papers(draw: st.DrawFn) -> Paper:
    return Paper(
        id=draw(ids),
        title=draw(text),
        abstract=draw(text),
        authors=draw(authors),
        upvotes=draw(counts),
        comments=draw(counts),
        list_day=date(2025, 10, 15),
        github_url=draw(urls),
        github_stars=draw(st.none() | counts),
        project_page=draw(urls),
        organization=draw(st.none() | text),
        ai_summary=draw(st.none() | text),
        thumbnail=draw(urls),
    )


@st.composite
def digests(draw: st.DrawFn) -> Digest:
    entries = tuple(
        ranked(p, topics=tuple(draw(st.lists(text, max_size=3))))
        for p in draw(st.lists(papers(), max_size=25))
    )
    offset = draw(st.integers(0, 5))
    return Digest(
        day=date(2025, 10, 15),
        entries=entries,
        total=offset + len(entries) + draw(st.integers(0, 50)),
        topics=tuple(draw(st.lists(text, max_size=4))),
        offset=offset,
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(digests())
def test_hostile_digests_stay_within_limits_and_ping_nobody(digest: Digest) -> None:
    slack = render_slack(digest)
    assert slack
    for payload in slack:
        assert_slack_payload_ok(payload)
    shown = sum(1 for p in slack for b in p["blocks"] if b["type"] == "section")
    assert shown == max(1, len(digest.entries))  # the empty digest has its one message section

    discord = render_discord(digest)
    assert sum(len(p["embeds"]) for p in discord) == len(digest.entries)
    for payload in discord:
        assert_discord_payload_ok(payload)

    out = render_text(digest)
    assert not JUNK.search(out.replace("\n", " "))
