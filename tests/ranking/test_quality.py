"""Topic quality on the labelled set (bench/labels, skipped without the shared archive) and robustness
on the real days of ../shared/hf-daily. bench/topic_quality.py prints the full figures; these floors sit
a little under them so a regression fails here first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ranking import QueryError, TopicQuery, explain, match, rank
from tests.ranking.labelled import f1, load_labelled, precision_at
from tests.ranking.real_labels import REAL_LABELS, REAL_TOPICS

NOW = datetime(2025, 11, 3, 12, tzinfo=UTC)
MEAN_F1_FLOOR = 0.70
MEAN_P10_FLOOR = 0.85
TOPIC_F1_FLOOR = 0.25  # even the hardest topic ("AI safety": its papers rarely say "AI") finds some


@pytest.fixture(scope="module")
def labelled():
    found = load_labelled()
    if found is None:
        pytest.skip("../shared/hf-daily/archive-2024-2025.jsonl.gz is not present")
    return found


@pytest.fixture(scope="module")
def topic_scores(labelled):
    out = {}
    for topic, query in labelled.queries.items():
        ids = [r.paper.id for r in rank(labelled.papers, [TopicQuery.parse(query)], now=NOW)]
        rel = labelled.relevant[topic]
        out[topic] = (f1(ids, rel), precision_at(10, ids, rel))
    return out


def test_mean_f1_and_precision_at_10_floors(topic_scores):
    mean_f1 = sum(f for f, _ in topic_scores.values()) / len(topic_scores)
    mean_p10 = sum(p for _, p in topic_scores.values()) / len(topic_scores)
    assert mean_f1 >= MEAN_F1_FLOOR, topic_scores
    assert mean_p10 >= MEAN_P10_FLOOR, topic_scores


def test_every_topic_finds_its_papers(topic_scores):
    assert min(f for f, _ in topic_scores.values()) >= TOPIC_F1_FLOOR, topic_scores


def test_labelled_set_is_complete(labelled):
    assert len(labelled.papers) == 510
    assert len(labelled.queries) == 12
    assert sum(map(len, labelled.relevant.values())) == 509
    known = {p.id for p in labelled.papers}
    assert all(ids <= known for ids in labelled.relevant.values())


def test_precision_is_a_fraction_of_what_is_reachable():
    assert precision_at(10, ["a", "x", "b"], {"a", "b"}) == 1.0
    assert precision_at(10, ["x", "a"], {"a", "b"}) == 0.5
    assert precision_at(2, ["a", "x", "b"], {"a", "b", "c"}) == 0.5
    assert f1(["a", "x"], {"a", "b"}) == 0.5 and f1([], {"a"}) == 0.0


# --- real days (skipped without ../shared/hf-daily) --------------------------------------------------------

REAL_NOW = datetime(2026, 8, 12, 9, tzinfo=UTC)


def ranked_ids(papers, query: str, now: datetime) -> list[str]:
    return [r.paper.id for r in rank(papers, [TopicQuery.parse(query)], now=now)]


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
    queries = ("diffusion models", "LLM agents", "speech", "AI safety", '"vision-language" -video OR 3D')
    topics = [TopicQuery.parse(q) for q in queries]
    for day, papers in real_days.items():
        plain = rank(papers, now=REAL_NOW)
        assert len(plain) == len(papers), day
        assert [r.score for r in plain] == sorted((r.score for r in plain), reverse=True)
        for r in rank(papers, topics, now=REAL_NOW):
            assert r.matched_topics and r.matched_terms
            assert len(explain(r)) == len(r.parts)
            assert sum(part.value for part in r.parts) == r.score


def test_every_real_title_as_a_topic_matches_its_paper(real_days):
    checked = 0
    for papers in real_days.values():
        for p in papers:
            try:
                q = TopicQuery.parse(p.title)
            except QueryError:
                continue  # too long or too many words for a topic: fine
            assert match(q, p) is not None, (p.id, p.title)
            checked += 1
    assert checked > 50
