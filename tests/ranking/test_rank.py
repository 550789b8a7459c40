"""Ranking: the formula, fairness to young papers, relevance vs popularity, ties, explanations."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.ranking import RankedPaper, TopicQuery, explain, rank
from bot.ranking.score import hours_on_list, upvote_boost
from bot.ranking.tuning import RELEVANCE_WEIGHT
from tests.factories import make_paper
from tests.ranking.texts import FILLER
from tests.ranking.texts import paper as long_paper

DAY = date(2025, 10, 15)
START = datetime(2025, 10, 15, tzinfo=UTC)
NOW = START + timedelta(days=2)  # every paper has been on the list for more than a day


def at(p, hours_before_now: float, now: datetime = NOW):
    return replace(p, submitted_at=now - timedelta(hours=hours_before_now))


def paper(pid="2510.00001", title="A study of methods", abstract="We propose a method.", **kw):
    return make_paper(pid, title=title, abstract=abstract, day=DAY, **kw)


def ids(ranked: list[RankedPaper]) -> list[str]:
    return [r.paper.id for r in ranked]


# --- without topics -------------------------------------------------------------------------------------


def test_all_papers_are_ranked_by_upvotes_when_nothing_else_differs():
    papers = [paper(f"2510.0000{i}", upvotes=u) for i, u in enumerate([5, 50, 0, 12])]
    ranked = rank(papers, now=NOW)
    assert ids(ranked) == ["2510.00001", "2510.00003", "2510.00000", "2510.00002"]
    assert all(r.matched_topics == () and r.matched_terms == () for r in ranked)
    assert [p.name for p in ranked[0].parts] == ["upvotes"]


def test_the_formula_is_the_documented_one():
    p = at(paper(upvotes=40, comments=3, stars=1000), hours_before_now=12)
    (r,) = rank([p], now=NOW)
    parts = {part.name: part.value for part in r.parts}
    assert parts["upvotes"] == pytest.approx(math.log1p(40 * math.sqrt(24 / 12)))
    assert parts["stars"] == pytest.approx(0.1 * math.log1p(1000))
    assert parts["comments"] == pytest.approx(0.25 * math.log1p(3))
    assert r.score == pytest.approx(sum(parts.values()))


def test_stars_and_comments_are_worth_about_doubling_upvotes_not_more():
    plain = paper("2510.00001", upvotes=20)
    starred = paper("2510.00002", upvotes=18, stars=500, comments=2)
    popular = paper("2510.00003", upvotes=60)
    assert ids(rank([plain, starred, popular], now=NOW)) == ["2510.00003", "2510.00002", "2510.00001"]


# --- fairness to young papers -----------------------------------------------------------------------------


def test_boost_is_two_for_very_young_papers_and_one_after_a_day():
    assert upvote_boost(0) == upvote_boost(6) == 2.0
    assert upvote_boost(12) == pytest.approx(math.sqrt(2))
    assert upvote_boost(24) == upvote_boost(100) == 1.0


def test_a_young_paper_is_compared_fairly_with_an_older_one():
    young = at(paper("2510.00001", upvotes=20), hours_before_now=6)
    old = at(paper("2510.00002", upvotes=30), hours_before_now=30)
    assert ids(rank([old, young], now=NOW)) == ["2510.00001", "2510.00002"]


def test_the_boost_is_bounded():
    newborn = at(paper("2510.00001", upvotes=10), hours_before_now=0.5)
    old = at(paper("2510.00002", upvotes=25), hours_before_now=30)
    assert ids(rank([newborn, old], now=NOW)) == ["2510.00002", "2510.00001"]


def test_hours_fall_back_to_the_start_of_the_list_day():
    p = replace(paper(), submitted_at=None)
    assert hours_on_list(p, START + timedelta(hours=5)) == 5.0
    assert hours_on_list(p, START - timedelta(hours=5)) == 0.0  # never negative


def test_naive_now_is_taken_as_utc():
    p = at(paper(upvotes=9), hours_before_now=3)
    assert rank([p], now=NOW.replace(tzinfo=None))[0].score == rank([p], now=NOW)[0].score


def test_scores_follow_now():
    p = at(paper(upvotes=10), hours_before_now=6)
    early = rank([p], now=NOW)[0].score
    later = rank([p], now=NOW + timedelta(hours=18))[0].score
    assert later < early


def test_new_upvote_counts_are_not_hidden_by_caches():
    p = at(paper(upvotes=10), hours_before_now=30)
    before = rank([p], now=NOW)[0].score
    after = rank([replace(p, upvotes=100)], now=NOW)[0].score
    assert after > before
    assert rank([p], now=NOW)[0].score == before


# --- topics ---------------------------------------------------------------------------------------------------


def topic(text: str) -> TopicQuery:
    return TopicQuery.parse(text)


def test_with_topics_only_matching_papers_are_returned_with_their_topics_and_terms():
    speech = paper("2510.00001", title="Speech recognition for all", upvotes=5)
    robots = paper("2510.00002", title="Robots that walk", upvotes=50)
    other = paper("2510.00003", title="A theory of everything", upvotes=500)
    ranked = rank([speech, robots, other], [topic("speech"), topic("robotics")], now=NOW)
    assert ids(ranked) == ["2510.00002", "2510.00001"]
    assert ranked[0].matched_topics == ("robotics",) and ranked[0].matched_terms == ("robotics",)
    assert ranked[1].matched_topics == ("speech",)


def test_a_paper_matching_several_topics_lists_them_in_channel_order():
    p = paper(title="Speech-driven robots", abstract="Speech commands steer robots.")
    (r,) = rank([p], [topic("robotics"), topic("Speech OR audio")], now=NOW)
    assert r.matched_topics == ("robotics", "Speech OR audio")
    assert r.matched_terms == ("robotics", "Speech")
    assert [part.name for part in r.parts] == ["upvotes", "relevance"]


def test_a_topic_listed_twice_counts_once():
    p = paper(title="Speech")
    (r,) = rank([p], [topic("speech"), topic("speech")], now=NOW)
    assert r.matched_topics == ("speech",)


def test_relevance_is_not_buried_by_popularity():
    strong = long_paper(
        "2510.00001",
        title="Diffusion Policies for Robot Manipulation",
        abstract="We train diffusion policies. Diffusion models the action distribution well.",
        ai_keywords=["diffusion policy", "robot manipulation"],
        day=DAY,
        upvotes=12,
    )
    weak = long_paper(  # ten times the upvotes, and only just about diffusion
        "2510.00002",
        title="Autoregressive Image Generation at Scale",
        abstract="Diffusion models dominate image generation. Unlike diffusion, we decode tokens. "
        "We show autoregressive models beat diffusion, which is costly. Diffusion is slow. " + FILLER,
        day=DAY,
        upvotes=120,
    )
    assert ids(rank([weak, strong], now=NOW)) == ["2510.00002", "2510.00001"]  # popularity alone
    assert ids(rank([weak, strong], [topic("diffusion")], now=NOW)) == ["2510.00001", "2510.00002"]


def test_popularity_still_matters_between_equally_relevant_papers():
    a = paper("2510.00001", title="Speech recognition", upvotes=3)
    b = paper("2510.00002", title="Speech synthesis", upvotes=30)
    assert ids(rank([a, b], [topic("speech")], now=NOW)) == ["2510.00002", "2510.00001"]


def test_relevance_part_uses_the_best_matching_topic():
    p = paper(title="Speech recognition", abstract="Speech is everywhere. Robots hear speech. Robots listen.")
    (r,) = rank([p], [topic("robotics"), topic("speech")], now=NOW)
    relevance = next(part for part in r.parts if part.name == "relevance")
    (only_speech,) = rank([p], [topic("speech")], now=NOW)
    assert relevance.value == next(x.value for x in only_speech.parts if x.name == "relevance")
    assert relevance.value <= RELEVANCE_WEIGHT
    assert "“speech”" in relevance.detail and "also matches “robotics”" in relevance.detail


# --- ties and determinism -----------------------------------------------------------------------------------------


def test_equal_scores_break_by_upvotes_then_id():
    young = at(paper("2510.00001", upvotes=2), hours_before_now=6)  # 2 upvotes x boost 2
    old = at(paper("2510.00009", upvotes=4), hours_before_now=30)  # 4 upvotes x boost 1
    twin_a = at(paper("2510.00005", upvotes=4), hours_before_now=30)
    ranked = rank([young, twin_a, old], now=NOW)
    assert ranked[0].score == ranked[1].score == ranked[2].score
    assert ids(ranked) == ["2510.00005", "2510.00009", "2510.00001"]


def test_order_does_not_depend_on_input_order():
    papers = [at(paper(f"2510.{i:05d}", upvotes=i % 4, title=f"Speech {i % 3}"), i % 7) for i in range(40)]
    expected = ids(rank(papers, [topic("speech")], now=NOW))
    for seed in range(5):
        shuffled = papers[:]
        random.Random(seed).shuffle(shuffled)
        assert ids(rank(iter(shuffled), [topic("speech")], now=NOW)) == expected


# --- explanations --------------------------------------------------------------------------------------------------


def test_explain_gives_one_consistent_line_per_part():
    p = at(
        paper(
            title="Speech recognition", upvotes=67, comments=2, stars=1234, ai_keywords=["speech recognition"]
        ),
        hours_before_now=18,
    )
    (r,) = rank([p], [topic("speech")], now=NOW)
    lines = explain(r)
    assert len(lines) == len(r.parts) == 4
    assert sum(part.value for part in r.parts) == r.score
    for line, part in zip(lines, r.parts, strict=True):
        assert line.startswith(f"{part.name} +{part.value:.2f}: ")
        assert part.detail in line
    assert (
        lines[0]
        == "upvotes +4.36: 67 upvotes in 18 h on the list, counted ×1.15 as it has been there less than a day"
    )
    assert lines[1] == (
        "relevance +8.00: good match for “speech”: relevance 0.67 ≥ 0.55, its BM25F evidence: "
        "speech in title, keywords"
    )
    assert lines[2] == "stars +0.71: 1,234 GitHub stars"
    assert lines[3] == "comments +0.27: 2 comments"


def test_explain_for_an_old_paper_without_extras():
    (r,) = rank([at(paper(upvotes=1), hours_before_now=80)], now=NOW)
    assert explain(r) == ["upvotes +0.69: 1 upvote in 3 days on the list"]
