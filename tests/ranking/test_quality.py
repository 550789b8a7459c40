"""Topic quality on labelled papers (hand-written, and real days when present) and robustness on real days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ranking import QueryError, TopicQuery, explain, match, rank
from tests.ranking.labelled import load_labelled, precision_at
from tests.ranking.real_labels import REAL_LABELS, REAL_TOPICS

LABELLED = load_labelled()

# Floors a little under what the matcher reaches (see bench/topic_quality.py). "efficient inference"
# was 0.3 before related terms (bot.ranking.related): many relevant papers never say "efficient".
FLOORS = {
    "diffusion": 0.9,
    "efficient inference": 0.8,
    "LLM agents": 0.9,
    "speech": 0.8,
    "robotics": 0.9,
    "reinforcement learning": 0.9,
    "3D": 0.8,
    "retrieval augmented generation": 0.7,
}


def ranked_ids(papers, query: str, now: datetime) -> list[str]:
    return [r.paper.id for r in rank(papers, [TopicQuery.parse(query)], now=now)]


def test_labelled_set_is_big_enough_and_has_hard_negatives():
    assert 60 <= len(LABELLED.papers) <= 120
    assert set(FLOORS) == set(LABELLED.topics)
    for topic in LABELLED.topics:
        assert len(LABELLED.relevant(topic)) >= 10, topic
    negatives = [pid for pid, labels in LABELLED.labels.items() if not labels]
    assert len(negatives) >= 15


@pytest.mark.parametrize("topic", sorted(FLOORS))
def test_precision_at_10_floor(topic):
    ids = ranked_ids(LABELLED.papers, LABELLED.topics[topic], LABELLED.now)
    assert precision_at(10, ids, LABELLED.relevant(topic)) >= FLOORS[topic]


def test_mean_precision_at_10_floor():
    values = [
        precision_at(10, ranked_ids(LABELLED.papers, q, LABELLED.now), LABELLED.relevant(t))
        for t, q in LABELLED.topics.items()
    ]
    assert sum(values) / len(values) >= 0.85


@pytest.mark.parametrize("topic", sorted(FLOORS))
def test_what_a_topic_returns_is_mostly_relevant(topic):
    ids = ranked_ids(LABELLED.papers, LABELLED.topics[topic], LABELLED.now)
    relevant = LABELLED.relevant(topic)
    assert ids and sum(pid in relevant for pid in ids) / len(ids) >= 0.85


def test_hard_negatives_mostly_match_no_topic():
    queries = [TopicQuery.parse(q) for q in LABELLED.topics.values()]
    negatives = [p for p in LABELLED.papers if not LABELLED.labels[p.id]]
    matched = [p.id for p in negatives if any(match(q, p) for q in queries)]
    assert len(matched) <= 0.15 * len(negatives), matched


def test_precision_is_a_fraction_of_what_is_reachable():
    assert precision_at(10, ["a", "x", "b"], {"a", "b"}) == 1.0
    assert precision_at(10, ["x", "a"], {"a", "b"}) == 0.5
    assert precision_at(2, ["a", "x", "b"], {"a", "b", "c"}) == 0.5


# --- real days (skipped without ../shared/hf-daily) --------------------------------------------------------

REAL_NOW = datetime(2026, 8, 12, 9, tzinfo=UTC)


def test_real_days_precision_at_10(real_days):
    papers = [p for day in real_days.values() for p in day]
    values = {}
    for topic, query in REAL_TOPICS.items():
        labels = REAL_LABELS[topic]
        ids = [pid for pid in ranked_ids(papers, query, REAL_NOW) if pid not in labels["maybe"]]
        values[topic] = precision_at(10, ids, set(labels["relevant"]))
    assert min(values.values()) >= 0.7, values
    assert sum(values.values()) / len(values) >= 0.8, values


def test_real_labels_name_real_papers(real_days):
    known = {p.id for day in real_days.values() for p in day}
    for labels in REAL_LABELS.values():
        assert labels["relevant"] <= known and labels["maybe"] <= known
        assert not labels["relevant"] & labels["maybe"]


def test_every_real_day_ranks_and_explains(real_days):
    topics = [TopicQuery.parse(q) for q in (*LABELLED.topics.values(), '"vision-language" -video OR 3D')]
    for day, papers in real_days.items():
        plain = rank(papers, now=REAL_NOW)
        assert len(plain) == len(papers), day
        assert [r.score for r in plain] == sorted((r.score for r in plain), reverse=True)
        for r in rank(papers, topics, now=REAL_NOW):
            assert r.matched_topics and r.matched_terms
            assert len(explain(r)) == len(r.parts)
            assert sum(part.value for part in r.parts) == r.score


def test_every_real_keyword_and_title_as_a_topic_matches_its_paper(real_days):
    checked = 0
    for papers in real_days.values():
        for p in papers:
            for text in (p.title, *p.ai_keywords):
                try:
                    q = TopicQuery.parse(text)
                except QueryError:
                    continue  # too long or too many words for a topic: fine
                assert match(q, p) is not None, (p.id, text)
                checked += 1
    assert checked > 300
