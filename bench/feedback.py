"""Relevance feedback on the labelled set: a channel replayed over consecutive real days, with and without its votes.

    python bench/feedback.py                 # every topic, with the topic and as a channel without topics
    python bench/feedback.py --train-days 5  # vote for fewer days

Corpus: October 2025 of the shared archive (`tests/ranking/labelled.corpus`, 510 papers, 22 list
days; skipped with a message when the archive is absent); relevance: `bench/labels/judgments.jsonl`
(unjudged = not relevant).

The replay, per topic of the labelled set and for three channels:

* ``topic``: a channel following the topic's query;
* ``no-topic``: a channel without topics whose members care about that topic (it is shown every day's
  most popular papers and votes on them);
* ``no-topic-two``: the same with members caring about two subjects (each topic and the next one of
  `topics.json`: relevant = relevant to either), as many real channels.

On each of the first `--train-days` list days the channel is shown its post (the first `--post`
papers of `rank(day's papers, topics, profile=its votes so far)`) and votes as a reader following the
topic would: 👍 on every shown paper judged relevant, 👎 on every other shown paper that is not
(`--dislike-every`: 2 = every second one, in the post's order; people skip some). Votes join the
profile newest first, as the store keeps them. On each following day, the same channel is ranked with
its final profile and without any, and compared:

* precision_at_10: relevant papers among the day's first 10, over min(10, relevant that day), averaged
  over the test days with a relevant paper (as `bench/topic_quality.py`, per day);
* recall: the relevant papers of the test days the channel is given (its matches with a topic, its
  first 10 a day without), over all relevant papers of the test days;
* f1 (with a topic): of the matches of the test days against the relevant papers, pooled;
* added / removed (with a topic): matches gained and lost through feedback over the test days, and
  of them how many relevant (added_relevant, removed_relevant);
* votes: likes and dislikes the channel cast.

One JSON line per figure: ``{"metric", "channel", "profile", "topic", "value", "unit"}``, per topic
then ``"topic": "mean"`` (the mean over topics); `profile` is "none" or "votes".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import time_ns

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.papers import Paper  # noqa: E402
from bot.ranking import FeedbackExample, FeedbackProfile, TopicQuery, example_of, rank  # noqa: E402
from tests.ranking.labelled import ARCHIVE, LabelledSet, load_labelled  # noqa: E402

POST = 10  # papers in a daily post (`papers-bot digest --top` default)


def days_of(papers: list[Paper]) -> dict[date, list[Paper]]:
    """List day -> its papers, days in order."""
    out: dict[date, list[Paper]] = {}
    for p in sorted(papers, key=lambda p: p.list_day):
        out.setdefault(p.list_day, []).append(p)
    return out


def post_time(day: date) -> datetime:
    """When the replayed post of `day` is ranked: the end of the list day (UTC)."""
    return datetime.combine(day, time(23, 0), UTC)


def train(
    days: list[tuple[date, list[Paper]]],
    topics: list[TopicQuery],
    relevant: frozenset[str],
    dislike_every: int,
) -> FeedbackProfile:
    """The profile a channel builds by voting on its posts of `days` (see the module docstring)."""
    examples: list[FeedbackExample] = []
    for day, papers in days:
        profile = FeedbackProfile(tuple(examples))
        shown = rank(papers, topics, now=post_time(day), profile=profile)[:POST]
        votes: list[FeedbackExample] = []
        skipped = 0
        for entry in shown:
            if entry.paper.id in relevant:
                votes.append(example_of(entry.paper, 1))
            else:
                skipped += 1
                if skipped % dislike_every == 0:
                    votes.append(example_of(entry.paper, -1))
        examples = votes[::-1] + examples  # newest first
    return FeedbackProfile(tuple(examples))


@dataclass(frozen=True)
class Run:
    """A channel measured over the test days: mean per-day P@10, the ids it was given (its matches with
    topics, its first 10 a day without) and the relevant ids among the days' papers."""

    p10: float
    given: frozenset[str]
    relevant: frozenset[str]


def evaluate(
    days: list[tuple[date, list[Paper]]],
    topics: list[TopicQuery],
    relevant: frozenset[str],
    profile: FeedbackProfile | None,
) -> Run:
    """The channel over `days`, ranked with `profile` (None: without votes)."""
    per_day: list[float] = []
    given: set[str] = set()
    all_relevant: set[str] = set()
    for day, papers in days:
        ranked = [r.paper.id for r in rank(papers, topics, now=post_time(day), profile=profile)]
        rel = {p.id for p in papers} & relevant
        all_relevant |= rel
        given |= set(ranked if topics else ranked[:POST])
        if rel:
            per_day.append(sum(1 for pid in ranked[:POST] if pid in rel) / min(POST, len(rel)))
    return Run(statistics.fmean(per_day) if per_day else 1.0, frozenset(given), frozenset(all_relevant))


def f1(given: frozenset[str], relevant: frozenset[str]) -> float:
    """F1 of the given set against the relevant one."""
    hits = len(given & relevant)
    if not hits:
        return 0.0
    precision, recall = hits / len(given), hits / len(relevant)
    return 2 * precision * recall / (precision + recall)


UNITS = {"likes": "votes", "dislikes": "votes", "rank_ms": "ms"} | {
    m: "papers" for m in ("added", "added_relevant", "removed", "removed_relevant")
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-days", type=int, default=10, help="list days the channel votes on (10)")
    parser.add_argument("--test-days", type=int, help="list days measured after them (default: all the rest)")
    parser.add_argument(
        "--dislike-every", type=int, default=2, help="dislike every n-th irrelevant shown (2)"
    )
    args = parser.parse_args()
    labelled = load_labelled()
    if labelled is None:
        print(json.dumps({"skipped": f"{ARCHIVE} is absent"}))
        return
    days = list(days_of(labelled.papers).items())
    train_days = days[: args.train_days]
    test_days = days[args.train_days :][: args.test_days]
    print(
        json.dumps(
            {
                "train_days": f"{train_days[0][0]}..{train_days[-1][0]}",
                "test_days": f"{test_days[0][0]}..{test_days[-1][0]}",
                "train_papers": sum(len(p) for _, p in train_days),
                "test_papers": sum(len(p) for _, p in test_days),
            }
        ),
        flush=True,
    )
    figures: dict[tuple[str, str, str], list[float]] = {}

    def emit(metric: str, channel: str, profile: str, topic: str, value: float) -> None:
        if topic != "mean":
            figures.setdefault((metric, channel, profile), []).append(value)
        line = {"metric": metric, "channel": channel, "profile": profile, "topic": topic}
        print(json.dumps({**line, "value": round(value, 3), "unit": UNITS.get(metric, "ratio")}), flush=True)

    profiles: list[FeedbackProfile] = []
    names = list(labelled.queries)
    channels: list[tuple[str, str, list[TopicQuery], frozenset[str]]] = []
    for topic in names:
        relevant = labelled.relevant[topic]
        channels.append(("topic", topic, [TopicQuery.parse(labelled.queries[topic])], relevant))
        channels.append(("no-topic", topic, [], relevant))
    for k, topic in enumerate(names):  # members who care about two subjects: each topic and the next
        other = names[(k + 1) % len(names)]
        channels.append(("no-topic-two", f"{topic} + {other}", [], relevant_to(labelled, topic, other)))
    for channel, topic, topics, relevant in channels:
        profile = train(train_days, topics, relevant, args.dislike_every)
        profiles.append(profile)
        emit("likes", channel, "votes", topic, len(profile.liked))
        emit("dislikes", channel, "votes", topic, len(profile.disliked))
        runs = {"none": evaluate(test_days, topics, relevant, None)}
        runs["votes"] = evaluate(test_days, topics, relevant, profile)
        rel = runs["none"].relevant
        for name, run in runs.items():
            emit("precision_at_10", channel, name, topic, run.p10)
            emit("recall", channel, name, topic, len(run.given & rel) / len(rel) if rel else 1.0)
            if topics:
                emit("f1", channel, name, topic, f1(run.given, rel))
        if topics:
            before, after = runs["none"].given, runs["votes"].given
            emit("added", channel, "votes", topic, len(after - before))
            emit("added_relevant", channel, "votes", topic, len((after - before) & rel))
            emit("removed", channel, "votes", topic, len(before - after))
            emit("removed_relevant", channel, "votes", topic, len((before - after) & rel))
    for (metric, channel, profile), values in figures.items():
        emit(metric, channel, profile, "mean", statistics.fmean(values))
    speed(days, labelled.queries, max(profiles, key=lambda p: len(p.examples)), emit)


def relevant_to(labelled: LabelledSet, *topics: str) -> frozenset[str]:
    """The papers relevant to any of `topics`."""
    return frozenset().union(*(labelled.relevant[t] for t in topics))


def speed(
    days: list[tuple[date, list[Paper]]],
    queries: dict[str, str],
    profile: FeedbackProfile,
    emit: Callable[[str, str, str, str, float], None],
) -> None:
    """rank_ms: ranking the largest day for a channel with the largest profile of the replay, its
    papers and votes analysed already (as in the daily fan-out after the first channel), median of 9."""
    day, papers = max(days, key=lambda d: len(d[1]))
    for channel, topics in (("topic", [TopicQuery.parse(q) for q in queries.values()][:3]), ("no-topic", [])):
        for name, p in (("none", None), ("votes", profile)):
            rank(papers, topics, now=post_time(day), profile=p)
            times = []
            for _ in range(9):
                start = time_ns()
                rank(papers, topics, now=post_time(day), profile=p)
                times.append((time_ns() - start) / 1e6)
            emit(
                "rank_ms",
                channel,
                name,
                f"{len(papers)} papers, {len(profile.examples)} votes",
                statistics.median(times),
            )


if __name__ == "__main__":
    main()
