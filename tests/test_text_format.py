"""Text helpers: word-boundary cuts, escape-safe fitting, summary sentences, authors, dates."""

from __future__ import annotations

from datetime import date

import pytest

from bot.render.escape import discord_escape, slack_escape
from bot.text_format import (
    ELLIPSIS,
    author_names,
    clip,
    compact,
    first_sentences,
    fit,
    format_day,
    one_line,
    plural,
)


def test_clip_leaves_short_text_alone() -> None:
    assert clip("Attention is all you need", 100) == "Attention is all you need"
    assert clip("exact", 5) == "exact"


def test_clip_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    text = "Scaling laws for neural language models revisited"
    out = clip(text, 20)
    assert out == "Scaling laws for…"
    assert len(out) <= 20
    assert text.startswith(out[:-1])


def test_clip_drops_dangling_punctuation_before_the_ellipsis() -> None:
    assert clip("Alpha, beta, gamma, delta", 13) == "Alpha, beta…"


def test_clip_hard_cuts_a_word_without_spaces() -> None:
    out = clip("x" * 10_000, 50)
    assert out == "x" * 49 + ELLIPSIS


@pytest.mark.parametrize("limit", [0, 1])
def test_clip_tiny_limits(limit: int) -> None:
    assert len(clip("hello world", limit)) <= limit


def test_fit_keeps_the_escaped_text_within_the_limit_and_entities_whole() -> None:
    text = "a < b & c > d " * 100
    out = fit(text, 100, slack_escape)
    assert len(out) <= 100
    assert out.endswith(ELLIPSIS)
    # no entity cut in half: every & starts a whole entity
    body = out[:-1]
    for i, ch in enumerate(body):
        if ch == "&":
            assert body[i:].startswith(("&amp;", "&lt;", "&gt;"))


def test_fit_with_an_escape_heavy_string_still_says_something() -> None:
    out = fit("&" * 10_000, 250, slack_escape)
    assert 200 <= len(out) <= 250
    assert out.startswith("&amp;")


def test_fit_for_discord_never_leaves_a_mention_whole() -> None:
    out = fit("@everyone " * 500, 256, discord_escape)
    assert len(out) <= 256
    assert "@everyone" not in out


def test_one_line_removes_controls_newlines_and_bidi_overrides() -> None:
    assert one_line("  a\n\tb\x00c\x1b[31m \u202edanger\u202c  ") == "a b c [31m danger"
    assert one_line(None) == ""
    assert one_line("שלום عالم 👩‍🔬") == "שלום عالم 👩‍🔬"  # RTL letters and ZWJ emoji stay


def test_first_sentences_takes_one_long_sentence() -> None:
    first = "We present a method that " + "works well " * 14 + "on many benchmarks."
    assert len(first) > 160
    assert first_sentences(first + " Then more.", 400) == first


def test_first_sentences_adds_the_second_when_the_first_is_short() -> None:
    text = "We study cats. We find that dogs bark in all cases. A third sentence follows."
    assert first_sentences(text, 400) == "We study cats. We find that dogs bark in all cases."


def test_first_sentences_skips_abbreviations() -> None:
    text = (
        "Models such as GPT-4 (e.g. ChatGPT) and work by Smith et al. Show gains, cf. Fig. 2 and the U.S. "
        "Army report by J. Doe, which were measured on many benchmarks and settings with care. Second one."
    )
    out = first_sentences(text, 400)
    assert out.endswith("with care.")


def test_first_sentences_respects_the_limit() -> None:
    text = "word " * 500
    out = first_sentences(text, 100)
    assert len(out) <= 100
    assert out.endswith(ELLIPSIS)


def test_first_sentences_of_a_single_sentence_is_all_of_it() -> None:
    assert first_sentences("A short AI summary without a following sentence.", 400) == (
        "A short AI summary without a following sentence."
    )


def test_author_names_et_al() -> None:
    assert author_names(("Ada", "Alan"), 3, 60) == ("Ada, Alan", False)
    assert author_names(("Ada", "Alan", "Grace"), 3, 60) == ("Ada, Alan, Grace", False)
    assert author_names(("Ada", "Alan", "Grace", "Edsger"), 3, 60) == ("Ada, Alan, Grace", True)
    names, et_al = author_names(tuple(f"Author {i}" for i in range(300)), 3, 60)
    assert names == "Author 0, Author 1, Author 2" and et_al


def test_author_names_cleans_and_cuts_hostile_names() -> None:
    names, _ = author_names(("A\nB", "x" * 500, "\x00"), 3, 60)
    assert names == "A B, " + "x" * 59 + ELLIPSIS


def test_compact_counts() -> None:
    assert [compact(n) for n in (0, 999, 1000, 1234, 9999, 12_345, 1_000_000, 2_500_000)] == [
        "0",
        "999",
        "1k",
        "1.2k",
        "10k",
        "12k",
        "1M",
        "2.5M",
    ]
    assert plural(1, "comment") == "1 comment" and plural(2, "comment") == "2 comments"


def test_format_day_is_locale_free() -> None:
    assert format_day(date(2025, 10, 15)) == "Wed 15 Oct 2025"
    assert format_day(date(2024, 5, 27)) == "Mon 27 May 2024"
