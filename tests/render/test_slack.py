"""Slack payloads: content, layout, splitting, the empty digest, and every real day validated."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

from bot.papers import Paper
from bot.render import limits as L
from bot.render import render_slack
from tests.factories import make_paper
from tests.render.checks import assert_slack_payload_ok
from tests.render.helpers import digest_of


def _paper(i: int = 1, **kwargs: object) -> Paper:
    kwargs.setdefault("title", f"Paper number {i}")
    return make_paper(f"2510.{i:05d}", **kwargs)  # type: ignore[arg-type]


def _sections(payload: dict) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def _contexts(payload: dict) -> list[str]:
    return [b["elements"][0]["text"] for b in payload["blocks"] if b["type"] == "context"]


def test_header_and_summary_line() -> None:
    [payload] = render_slack(digest_of([_paper(1), _paper(2)], total=5, topics=("agents", "rl")))
    assert_slack_payload_ok(payload)
    header = payload["blocks"][0]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Daily Papers · Wed 15 Oct 2025", "emoji": True},
    }
    assert _contexts(payload)[0] == "Topics: agents, rl · Papers 1–2 of 5"


def test_a_paper_shows_link_votes_authors_org_summary_links_and_context() -> None:
    paper = dataclasses.replace(
        _paper(
            7,
            title="Tiny & <Mighty> Models",
            upvotes=67,
            comments=3,
            authors=["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
            organization="AMAP-ML",
            ai_summary="Small models win. They are cheap. Third.",
            github="https://github.com/org/tiny",
            stars=1234,
        ),
        project_page="https://tiny.example.org/",
    )
    [payload] = render_slack(digest_of([paper], matched=("small models",)))
    assert_slack_payload_ok(payload)
    section = _sections(payload)[0]
    lines = section.split("\n")
    assert lines[0] == "*1. <https://huggingface.co/papers/2510.00007|Tiny &amp; &lt;Mighty&gt; Models>*"
    assert lines[1] == "▲ 67 · Ada Lovelace, Alan Turing, Grace Hopper et al. · AMAP-ML"
    assert lines[2] == "Small models win. They are cheap."
    assert lines[3] == (
        "<https://huggingface.co/papers/2510.00007|Hugging Face> · <https://arxiv.org/abs/2510.00007|arXiv> · "
        "<https://arxiv.org/pdf/2510.00007|PDF> · <https://github.com/org/tiny|GitHub> · "
        "<https://tiny.example.org/|Project page>"
    )
    assert _contexts(payload)[1] == "#1 · Topics: small models · ★ 1.2k · 💬 3 comments"


def test_summary_falls_back_to_the_abstracts_first_sentences() -> None:
    abstract = "We study cats. We find dogs. " + "More detail follows here. " * 50
    [payload] = render_slack(digest_of([_paper(1, abstract=abstract)]))
    assert _sections(payload)[0].split("\n")[2] == "We study cats. We find dogs."


def test_long_title_is_cut_at_a_word_boundary() -> None:
    title = "Towards " + "really " * 100 + "long titles"
    [payload] = render_slack(digest_of([_paper(1, title=title)]))
    link_text = _sections(payload)[0].split("\n")[0].split("|", 1)[1]
    assert link_text.endswith("really…>*")
    assert len(link_text) <= L.TITLE_MAX + 3


def test_ranks_continue_from_the_offset() -> None:
    [payload] = render_slack(digest_of([_paper(1), _paper(2)], offset=10, total=30))
    assert _sections(payload)[0].startswith("*11. ")
    assert _sections(payload)[1].startswith("*12. ")
    assert "Papers 11–12 of 30" in _contexts(payload)[0]


def test_footer_when_more_papers_exist() -> None:
    [payload] = render_slack(digest_of([_paper(1)], total=17))
    footer = payload["blocks"][-1]
    assert footer["elements"][0]["text"] == (
        "*16 more* at <https://huggingface.co/papers/date/2025-10-15|huggingface.co/papers/date/2025-10-15>"
    )
    assert payload["text"].endswith("16 more at https://huggingface.co/papers/date/2025-10-15")


def test_no_footer_when_everything_is_shown() -> None:
    [payload] = render_slack(digest_of([_paper(1)]))
    assert "more" not in json.dumps(payload["blocks"][-1])


def test_fallback_text_names_the_day_and_the_papers() -> None:
    [payload] = render_slack(digest_of([_paper(1, title="Alpha", upvotes=9), _paper(2, title="Beta <b>")]))
    assert payload["text"] == "Daily Papers · Wed 15 Oct 2025: 1. Alpha (▲ 9); 2. Beta &lt;b&gt; (▲ 10)"


def test_empty_digest_is_a_friendly_message() -> None:
    [payload] = render_slack(digest_of([], total=0))
    assert_slack_payload_ok(payload)
    assert _sections(payload) == ["No papers on the list for Wed 15 Oct 2025 yet."]
    assert "No papers" in payload["text"]


def test_empty_digest_with_topics_names_them_escaped() -> None:
    [payload] = render_slack(digest_of([], total=0, topics=("<!channel>", "rl")))
    assert_slack_payload_ok(payload)
    assert _sections(payload) == ["No papers matched &lt;!channel&gt;, rl on Wed 15 Oct 2025."]


def test_empty_page_past_the_end() -> None:
    [payload] = render_slack(digest_of([], total=12, offset=20))
    assert_slack_payload_ok(payload)
    assert "all 12 papers" in _sections(payload)[0]


def test_empty_page_of_a_full_list_points_to_the_rest() -> None:
    [payload] = render_slack(digest_of([], total=5))
    assert_slack_payload_ok(payload)
    assert _sections(payload) == ["5 papers on the list for Wed 15 Oct 2025."]
    assert "*5 more* at <https://huggingface.co/papers/date/2025-10-15|" in _contexts(payload)[0]


def test_a_big_digest_is_split_into_valid_messages_in_order() -> None:
    papers = [
        _paper(i, abstract="Sentence one is here. " * 40, authors=[f"A{j}" for j in range(9)])
        for i in range(1, 121)
    ]
    payloads = render_slack(digest_of(papers, total=200))
    assert len(payloads) > 1
    ranks = []
    for n, payload in enumerate(payloads, 1):
        assert_slack_payload_ok(payload)
        if n == 1:
            assert payload["blocks"][0]["type"] == "header"
        else:
            assert (
                _contexts(payload)[0] == f"Daily Papers · Wed 15 Oct 2025 · continued ({n}/{len(payloads)})"
            )
            assert payload["text"].startswith(f"Daily Papers · Wed 15 Oct 2025 ({n}/{len(payloads)}): ")
        ranks += [int(s[1 : s.index(".")]) for s in _sections(payload)]
    assert ranks == list(range(1, 121))
    assert "80 more" in json.dumps(payloads[-1]["blocks"])
    assert all("more" not in json.dumps(p["blocks"][-1]) for p in payloads[:-1])


def test_split_respects_the_block_limit_with_tiny_papers() -> None:
    papers = [make_paper(f"2510.{i:05d}", title="T", abstract="", authors=["A"]) for i in range(1, 200)]
    payloads = render_slack(digest_of(papers))
    assert len(payloads) >= 199 * 3 // L.SLACK_MAX_BLOCKS
    for payload in payloads:
        assert_slack_payload_ok(payload)
        assert len(payload["blocks"]) <= L.SLACK_MAX_BLOCKS


def test_every_real_day_renders_valid_payloads(real_days: dict[str, list[Paper]]) -> None:
    for day, papers in real_days.items():
        digest = digest_of(papers, day=date.fromisoformat(day), total=len(papers) + 7, topics=("agents",))
        payloads = render_slack(digest)
        assert payloads
        shown = 0
        for payload in payloads:
            assert_slack_payload_ok(payload)
            shown += len(_sections(payload))
        assert shown == len(papers), day


def test_a_thousand_real_papers_split_and_validate(real_days: dict[str, list[Paper]]) -> None:
    pool = [p for papers in real_days.values() for p in papers]
    papers = [dataclasses.replace(pool[i % len(pool)], id=f"2510.{i:05d}") for i in range(1000)]
    payloads = render_slack(digest_of(papers))
    assert sum(len(_sections(p)) for p in payloads) == 1000
    for payload in payloads:
        assert_slack_payload_ok(payload)
