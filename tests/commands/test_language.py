"""The command language: every documented form, and friendly help for everything else."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.language import (
    Help,
    Pause,
    Resume,
    SetCount,
    SetTime,
    ShowPapers,
    Status,
    Subscribe,
    Topics,
    Unsubscribe,
    Why,
    parse,
)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", ShowPapers()),
        ("   ", ShowPapers()),
        ("top 10", ShowPapers(top=10)),
        ("TOP 3", ShowPapers(top=3)),
        ("2025-10-15", ShowPapers(when=date(2025, 10, 15))),
        ("2025-1-5 top 2", ShowPapers(when=date(2025, 1, 5), top=2)),
        ("yesterday", ShowPapers(when="yesterday")),
        ("today", ShowPapers()),
        ("week", ShowPapers(when="week")),
        ("week diffusion -video", ShowPapers(when="week", query="diffusion -video")),
        ("search efficient inference", ShowPapers(query="efficient inference")),
        ("diffusion -video", ShowPapers(query="diffusion -video")),
        ('"flow matching" OR diffusion', ShowPapers(query='"flow matching" OR diffusion')),
        ("subscribe", Subscribe()),
        ("subscribe  efficient   inference", Subscribe("efficient inference")),
        ("unsubscribe all", Unsubscribe("all")),
        ("unsubscribe ALL", Unsubscribe("all")),
        ("unsubscribe diffusion", Unsubscribe("diffusion")),
        ("topics", Topics()),
        ("time 09:30", SetTime("09:30")),
        ("time 18:00 Europe/Berlin", SetTime("18:00", "Europe/Berlin")),
        ("count 7", SetCount(7)),
        ("pause", Pause()),
        ("resume", Resume()),
        ("status", Status()),
        ("why 2510.12586", Why("2510.12586")),
        ("why 2510.12586v2", Why("2510.12586")),
        ("why https://huggingface.co/papers/2510.12586", Why("2510.12586")),
        ("help", Help()),
    ],
)
def test_documented_forms(text: str, command: object) -> None:
    assert parse(text) == command


@pytest.mark.parametrize(
    "text",
    [
        "why arXiv:2510.12586",
        "why https://arxiv.org/pdf/2510.12586v2.pdf",
        "why arxiv.org/abs/2510.12586",
        "WHY arxiv: 2510.12586",
        "why arXiv:2510.12586v2 [cs.CL]",
        "why hf.co/papers/2510.12586",
        "why https://www.alphaxiv.org/abs/2510.12586?tab=overview#top",
        "why (https://export.arxiv.org/abs/2510.12586v1).",
    ],
)
def test_why_reads_every_common_way_of_writing_a_paper(text: str) -> None:
    assert parse(text) == Why("2510.12586")


@pytest.mark.parametrize(
    ("text", "command"),
    [
        # full-width forms, as a CJK keyboard types them (NFKC), and other scripts' digits
        ("ｔｏｐ ５", ShowPapers(top=5)),
        ("ＴＯＰ\u3000１０", ShowPapers(top=10)),  # with an ideographic space
        ("top ٥", ShowPapers(top=5)),
        ("２０２５-１０-１５", ShowPapers(when=date(2025, 10, 15))),
        ("２０２５－１０－１５ ｔｏｐ ２", ShowPapers(when=date(2025, 10, 15), top=2)),
        ("٢٠٢٥-١٠-١٥", ShowPapers(when=date(2025, 10, 15))),
        ("ｙｅｓｔｅｒｄａｙ", ShowPapers(when="yesterday")),
        ("ｗｅｅｋ diffusion", ShowPapers(when="week", query="diffusion")),
        ("ｓｅａｒｃｈ diffusion", ShowPapers(query="diffusion")),
        ("ｓｕｂｓｃｒｉｂｅ diffusion", Subscribe("diffusion")),
        ("ｕｎｓｕｂｓｃｒｉｂｅ ａｌｌ", Unsubscribe("all")),
        ("ｔｏｐｉｃｓ", Topics()),
        ("ｔｉｍｅ ０９：３０", SetTime("09:30")),
        ("ｔｉｍｅ １８：００ Ｅｕｒｏｐｅ／Ｂｅｒｌｉｎ", SetTime("18:00", "Europe/Berlin")),
        ("ｃｏｕｎｔ ７", SetCount(7)),
        ("count ۷", SetCount(7)),
        ("ｐａｕｓｅ", Pause()),
        ("ｓｔａｔｕｓ", Status()),
        ("ｗｈｙ ２５１０．１２５８６", Why("2510.12586")),
        ("？", Help()),
        ("ｈｅｌｐ", Help()),
        # invisible format characters (Unicode Cf) anywhere: pasted text brings them
        ("why 2510.12586\u2060", Why("2510.12586")),
        ("why\u2060 arXiv:2510.12586\u2063", Why("2510.12586")),
        ("to\u00adp 5", ShowPapers(top=5)),
        ("\u2066status\u2069", Status()),
        ("top 5\u200d", ShowPapers(top=5)),
    ],
)
def test_keywords_numbers_dates_and_ids_as_any_keyboard_types_them(text: str, command: object) -> None:
    assert parse(text) == command


def test_a_topic_keeps_the_characters_it_was_typed_with() -> None:
    """Only values with a fixed shape are folded: a topic is stored and shown as typed."""
    assert parse("ｔｏｐ ３ Ｑ＆Ａ") == ShowPapers(top=3, query="Ｑ＆Ａ")
    assert parse("subscribe ｄｉｆｆｕｓｉｏｎ") == Subscribe("ｄｉｆｆｕｓｉｏｎ")
    assert parse("subscribe diffu\u00adsion\u2060") == Subscribe("diffusion")  # invisibles dropped


def test_a_listing_query_keeps_the_case_it_was_typed_in() -> None:
    assert parse("top 3 Q&A") == ShowPapers(top=3, query="Q&A")
    assert parse("yesterday Diffusion -Video") == ShowPapers(when="yesterday", query="Diffusion -Video")


@pytest.mark.parametrize(
    ("text", "problem", "suggestion"),
    [
        ("subscibe diffusion", "I don't know `subscibe`", "subscribe diffusion"),
        ("stauts", "I don't know `stauts`", "status"),
        ("top", "`top` needs a number", "top 10"),
        ("top 0", "whole number from 1 to 20", None),
        ("top 999", "whole number from 1 to 20", None),
        ("count ³3", "`³3` is not a valid number", None),  # "³".isdigit() is True, int() refuses it
        ("top ten", "`ten` is not a valid number", None),
        ("2025-13-40", "`2025-13-40` is not a date", None),
        ("count -1", "from 1 to 20", None),
        ("count", "Use `count N`", "count 5"),
        ("time", "Use `time HH:MM`", "time 09:00 Europe/Berlin"),
        ("why", "arXiv id", "why 2510.12586"),
        ("why <!channel>", "arXiv id", "why 2510.12586"),
        ("unsubscribe", "which topic", "unsubscribe all"),
        ("status now", "takes no arguments", "status"),
        ("search", "needs a query", "search diffusion"),
    ],
)
def test_bad_input_gets_help_with_the_closest_command(
    text: str, problem: str, suggestion: str | None
) -> None:
    command = parse(text)
    assert isinstance(command, Help)
    assert command.problem and problem in command.problem
    assert command.suggestion == suggestion


def test_over_long_input_is_refused_before_work() -> None:
    command = parse("diffusion " * 100)
    assert isinstance(command, Help) and "at most 500" in (command.problem or "")


def test_control_and_bidi_characters_are_dropped() -> None:
    assert parse("search\u202e diff\x00usion\u200b") == ShowPapers(query="diff usion")


def test_more_button_value_round_trips_and_rejects_forgery() -> None:
    listing = ShowPapers(when=date(2025, 10, 15), top=5, query="agents", offset=10)
    assert ShowPapers.from_value(listing.to_value()) == listing
    marked = ShowPapers(query='"R&D" <x> 表')
    assert not set("&<>") & set(marked.to_value())  # nothing a chat platform would escape
    assert ShowPapers.from_value(marked.to_value()) == marked
    assert ShowPapers.from_value(ShowPapers(when="week").to_value()) == ShowPapers(when="week")
    for forged in ("", "[]", '["latest", 500, null, 0]', '["x", 5, null, 0]', '["latest", 5, 7, 0]', "{}"):
        assert isinstance(ShowPapers.from_value(forged), Help)


@given(st.text(max_size=600))
def test_parse_never_raises(text: str) -> None:
    command = parse(text)
    if isinstance(command, ShowPapers) and command.query:
        assert command.query == command.query.strip() and "\x00" not in command.query
