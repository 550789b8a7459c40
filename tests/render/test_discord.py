"""Discord payloads: embeds, limits, splitting, mentions, and every real day accepted by discord.py."""

from __future__ import annotations

import dataclasses
from datetime import date

import discord

from bot.papers import Paper
from bot.render import limits as L
from bot.render import render_discord
from bot.render.discord import embed_size
from bot.render.escape import ZWSP
from tests.factories import make_paper
from tests.render.checks import assert_discord_payload_ok
from tests.render.helpers import digest_of


def _paper(i: int = 1, **kwargs: object) -> Paper:
    kwargs.setdefault("title", f"Paper number {i}")
    return make_paper(f"2510.{i:05d}", **kwargs)  # type: ignore[arg-type]


def test_one_paper_as_an_embed() -> None:
    paper = _paper(
        3,
        title="Fast *and* _Furious_ @everyone",
        upvotes=42,
        comments=1,
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
        organization="DAMO Academy",
        abstract="We go fast. Very fast indeed.",
        github="https://github.com/org/fast",
        stars=12,
    )
    [payload] = render_discord(digest_of([paper], total=4, topics=("speed",), matched=("speed",)))
    assert_discord_payload_ok(payload)
    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["content"] == (
        "**Daily Papers · Wed 15 Oct 2025**\nTopics: speed\nPapers 1–1 of 4\n"
        "**3 more** at <https://huggingface.co/papers/date/2025-10-15>"
    )
    [embed] = payload["embeds"]
    assert embed["title"] == f"1. Fast \\*and\\* \\_Furious\\_ @{ZWSP}everyone"
    assert embed["url"] == "https://huggingface.co/papers/2510.00003"
    assert embed["description"] == "We go fast. Very fast indeed."
    assert embed["thumbnail"] == {
        "url": "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2510.00003.png"
    }
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Upvotes"] == "▲ 42"
    assert fields["Organization"] == "DAMO Academy"
    assert fields["Authors"] == "Ada Lovelace, Alan Turing, Grace Hopper et al."
    assert fields["Links"] == (
        "[Hugging Face](https://huggingface.co/papers/2510.00003) · [arXiv](https://arxiv.org/abs/2510.00003) · "
        "[PDF](https://arxiv.org/pdf/2510.00003) · [GitHub](https://github.com/org/fast)"
    )
    assert embed["footer"] == {"text": "#1 · Topics: speed · ★ 12 · 💬 1 comment"}
    assert embed_size(embed) == len(discord.Embed.from_dict(embed))


def test_empty_digest() -> None:
    [payload] = render_discord(digest_of([], total=0))
    assert_discord_payload_ok(payload)
    assert payload["embeds"] == []
    assert payload["content"] == "No papers on the list for Wed 15 Oct 2025 yet."


def test_empty_digest_with_hostile_topics() -> None:
    [payload] = render_discord(digest_of([], total=0, topics=("@here", "<@&1>")))
    assert_discord_payload_ok(payload)
    assert payload["content"].startswith("No papers matched @")


def test_split_at_ten_embeds() -> None:
    papers = [_paper(i, abstract="Short.") for i in range(1, 26)]
    payloads = render_discord(digest_of(papers))
    assert [len(p["embeds"]) for p in payloads] == [10, 10, 5]
    for n, payload in enumerate(payloads, 1):
        assert_discord_payload_ok(payload)
        if n > 1:
            assert payload["content"] == f"Daily Papers · Wed 15 Oct 2025 · continued ({n}/3)"


def test_split_at_six_thousand_characters() -> None:
    long = "A sentence that goes on and on " * 40 + "."
    papers = [_paper(i, title="Word " * 60, abstract=long, authors=["N" * 50] * 5) for i in range(1, 21)]
    payloads = render_discord(digest_of(papers))
    assert all(len(p["embeds"]) < L.DISCORD_MAX_EMBEDS for p in payloads)
    titles = []
    for payload in payloads:
        assert_discord_payload_ok(payload)
        assert sum(embed_size(e) for e in payload["embeds"]) <= L.DISCORD_EMBEDS_TOTAL_MAX
        titles += [e["title"].split(".", 1)[0] for e in payload["embeds"]]
    assert titles == [str(i) for i in range(1, 21)]


def test_every_real_day_is_accepted(real_days: dict[str, list[Paper]]) -> None:
    for day, papers in real_days.items():
        payloads = render_discord(digest_of(papers, day=date.fromisoformat(day), total=len(papers) + 3))
        assert sum(len(p["embeds"]) for p in payloads) == len(papers)
        for payload in payloads:
            assert_discord_payload_ok(payload)


def test_a_thousand_real_papers(real_days: dict[str, list[Paper]]) -> None:
    pool = [p for papers in real_days.values() for p in papers]
    papers = [dataclasses.replace(pool[i % len(pool)], id=f"2510.{i:05d}") for i in range(1000)]
    payloads = render_discord(digest_of(papers))
    assert sum(len(p["embeds"]) for p in payloads) == 1000
    for payload in payloads:
        assert_discord_payload_ok(payload)
