"""Terminal text: numbered, wrapped, no markup, no terminal control sequences."""

from __future__ import annotations

from datetime import date

from bot.papers import Paper
from bot.render import limits as L
from bot.render import render_text
from tests.factories import make_paper
from tests.render.helpers import digest_of


def test_numbered_wrapped_plain_text() -> None:
    papers = [
        make_paper(
            "2510.00001",
            title="A title " * 20,
            abstract="Word " * 60 + "end. Next.",
            authors=["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
            organization="Org",
            github="https://github.com/o/r",
            stars=5,
            comments=2,
        ),
        make_paper("2510.00002", title="Second **bold** <b>", upvotes=3),
    ]
    out = render_text(digest_of(papers, total=5, topics=("agents",), matched=("agents",)))
    lines = out.splitlines()
    assert lines[0] == "Daily Papers · Wed 15 Oct 2025"
    assert lines[1] == "Topics: agents"
    assert lines[2] == "Papers 1–2 of 5"
    assert lines[4].startswith("1. A title A title")
    assert "   ▲ 10 · 2 comments · ★ 5 · topics: agents" in lines
    assert "   Ada Lovelace, Alan Turing, Grace Hopper et al. · Org" in lines
    assert "   GitHub: https://github.com/o/r" in lines
    assert "2. Second **bold** <b>" in lines  # as written: a terminal shows no markup
    assert lines[-1] == "3 more at https://huggingface.co/papers/date/2025-10-15"
    assert all(len(line) <= L.TEXT_WIDTH for line in lines)


def test_terminal_escape_sequences_are_removed() -> None:
    paper = make_paper("2510.00001", title="Evil \x1b[2J\x1b]0;pwned\x07 title")
    out = render_text(digest_of([paper]))
    assert "\x1b" not in out and "\x07" not in out


def test_empty() -> None:
    assert render_text(digest_of([], total=0)).splitlines() == [
        "Daily Papers · Wed 15 Oct 2025",
        "No papers on the list for Wed 15 Oct 2025 yet.",
    ]


def test_every_real_day(real_days: dict[str, list[Paper]]) -> None:
    for day, papers in real_days.items():
        out = render_text(digest_of(papers, day=date.fromisoformat(day)))
        assert out.count(" Hugging Face: https://huggingface.co/papers/") == len(papers)
        for line in out.splitlines():
            assert len(line) <= L.TEXT_WIDTH or "://" in line
