"""Votes on a real Redis: one per person per paper per channel, bounded, removed with the channel."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.store import ChannelRef, State, Tally, Vote, VoteStore
from bot.store.keys import hash_slot_tag
from tests.factories import make_paper

C1 = ChannelRef("slack", "T1", "C1")
C2 = ChannelRef("slack", "T1", "C2")
D1 = ChannelRef("discord", "123", "456")
P1 = make_paper("2510.00001", title="Diffusion for video", abstract="We denoise frames with a model.")
P2 = make_paper("2510.00002", title="Agents that plan", abstract="An agent plans tool calls.")


class Clock:
    def __init__(self, now: float = 1_760_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def store(state: State, clock: Clock, **kwargs: int) -> VoteStore:
    return VoteStore(state.redis, state.keys, clock=clock, **kwargs)


async def test_one_vote_per_person_changeable_and_revocable(state: State) -> None:
    votes = state.votes
    first = await votes.vote(C1, P1, "slack:U1", Vote.LIKE)
    assert first.mine is Vote.LIKE and first.tally == Tally(1, 0)
    assert (await votes.vote(C1, P1, "slack:U2", Vote.LIKE)).tally == Tally(2, 0)
    changed = await votes.vote(C1, P1, "slack:U1", Vote.DISLIKE)  # changes U1's vote, never adds one
    assert changed.mine is Vote.DISLIKE and changed.tally == Tally(1, 1)
    back = await votes.vote(C1, P1, "slack:U1", Vote.DISLIKE)  # the same again takes it back
    assert back.mine is Vote.NONE and back.tally == Tally(1, 0)
    assert await votes.mine(C1, P1.id, "slack:U1") is Vote.NONE
    assert await votes.mine(C1, P1.id, "slack:U2") is Vote.LIKE
    assert await votes.counts(C1, [P1.id, P2.id]) == {P1.id: Tally(1, 0), P2.id: Tally()}
    assert await votes.counts(C2, [P1.id]) == {P1.id: Tally()}  # per channel


async def test_profile_is_the_sign_of_each_papers_votes_most_recent_first(state: State) -> None:
    clock = Clock()
    votes = store(state, clock)
    await votes.vote(C1, P1, "slack:U1", Vote.LIKE)
    clock.now += 10
    await votes.vote(C1, P2, "slack:U1", Vote.DISLIKE)
    await votes.vote(C1, P2, "slack:U2", Vote.DISLIKE)
    profile = await votes.profile(C1)
    assert [(e.paper_id, e.vote) for e in profile.examples] == [(P2.id, -1), (P1.id, 1)]
    assert profile.examples[1].title == "Diffusion for video"
    assert "denoise" in profile.examples[1].text
    await votes.vote(C1, P1, "slack:U3", Vote.DISLIKE)  # 1 - 1: a tie teaches nothing
    assert [e.paper_id for e in (await votes.profile(C1)).examples] == [P2.id]
    assert not await votes.profile(C2)


async def test_profiles_of_many_channels_in_one_call(state: State) -> None:
    await state.votes.vote(C1, P1, "slack:U1", Vote.LIKE)
    await state.votes.vote(D1, P2, "discord:9", Vote.DISLIKE)
    profiles = await state.votes.profiles([C1, C2, D1])
    assert [e.paper_id for e in profiles[C1].examples] == [P1.id]
    assert not profiles[C2]
    assert [(e.paper_id, e.vote) for e in profiles[D1].examples] == [(P2.id, -1)]


async def test_bounded_by_count_and_age_with_cards_of_voted_papers_only(state: State) -> None:
    clock = Clock()
    votes = store(state, clock, max_votes=3, max_age_seconds=100)
    papers = [make_paper(f"2510.1000{i}", title=f"Paper {i}") for i in range(5)]
    for i, paper in enumerate(papers):
        clock.now += 1
        await votes.vote(C1, paper, f"slack:U{i}", Vote.LIKE)
    assert await state.redis.hlen(state.keys.votes(C1)) == 3
    assert set(await state.redis.hkeys(state.keys.vote_cards(C1))) == {p.id for p in papers[2:]}
    clock.now += 150  # all three are older than 100 s now: the next vote trims them
    await votes.vote(C1, papers[0], "slack:U9", Vote.DISLIKE)
    assert await state.redis.hgetall(state.keys.votes(C1)) == {f"{papers[0].id} slack:U9": "-1"}
    assert await state.redis.hkeys(state.keys.vote_cards(C1)) == [papers[0].id]
    assert await state.redis.zcard(state.keys.vote_times(C1)) == 1
    assert 0 < await state.redis.ttl(state.keys.votes(C1)) <= 100
    taken_back = await votes.vote(C1, papers[0], "slack:U9", Vote.DISLIKE)
    assert taken_back.tally == Tally() and not await state.redis.exists(state.keys.vote_cards(C1))


async def test_hundreds_of_clicks_keep_one_vote_the_last(state: State) -> None:
    clicks = [Vote.LIKE if i % 3 else Vote.DISLIKE for i in range(300)]
    for click in clicks:
        last = await state.votes.vote(C1, P1, "slack:U1", click)
    assert await state.votes.mine(C1, P1.id, "slack:U1") is last.mine
    # at once: the scripts are atomic, so one vote at most is stored, and it is what the last one said
    results = await asyncio.gather(*(state.votes.vote(C1, P1, "slack:U1", v) for v in clicks[:8]))
    tally = (await state.votes.counts(C1, [P1.id]))[P1.id]
    assert tally.likes + tally.dislikes <= 1
    assert await state.votes.mine(C1, P1.id, "slack:U1") in {r.mine for r in results}


async def test_taught_and_reset(state: State) -> None:
    await state.votes.vote(C1, P1, "slack:U1", Vote.LIKE)
    await state.votes.vote(C1, P1, "slack:U2", Vote.LIKE)
    await state.votes.vote(C1, P2, "slack:U1", Vote.DISLIKE)
    taught = await state.votes.taught(C1)
    assert [(p.paper_id, p.tally) for p in taught.liked] == [(P1.id, Tally(2, 0))]
    assert [p.title for p in taught.disliked] == ["Agents that plan"]
    assert taught.votes == 3
    assert await state.votes.reset(C1) == 3
    assert await state.votes.taught(C1) == type(taught)()
    assert not [k async for k in state.redis.scan_iter(f"{state.keys.prefix}:votes:*")]


async def test_unsubscribe_removes_the_votes(state: State) -> None:
    await state.subscriptions.subscribe(C1, by="slack:U1")
    await state.votes.vote(C1, P1, "slack:U1", Vote.LIKE)
    await state.votes.vote(C2, P1, "slack:U1", Vote.LIKE)
    await state.subscriptions.unsubscribe(C1, by="slack:U1")
    assert not await state.votes.profile(C1)
    assert await state.votes.profile(C2)  # another channel's stay


async def test_vote_keys_share_the_channels_slot(state: State) -> None:
    tags = {hash_slot_tag(k) for k in state.keys.vote_keys(D1)} | {hash_slot_tag(state.keys.sub(D1))}
    assert tags == {"discord:123:456"}


async def test_blank_ids_are_refused(redis_client: Redis, state: State) -> None:
    with pytest.raises(ValueError):
        await state.votes.vote(C1, P1, "slack:U 1", Vote.LIKE)
    with pytest.raises(ValueError):
        await state.votes.vote(C1, P1, "slack:U1", Vote.NONE)
    assert not await state.redis.exists(state.keys.votes(C1))


async def test_a_vote_by_id_alone_keeps_the_stored_card(state: State) -> None:
    clock = Clock()
    votes = store(state, clock)
    await votes.vote(C1, P1, "slack:U1", Vote.LIKE)
    await votes.vote(C1, P1.id, "slack:U2", Vote.LIKE)  # HF down: no title at hand
    assert (await votes.profile(C1)).examples[0].title == "Diffusion for video"
    clock.now += 1
    await votes.vote(C1, P2.id, "slack:U2", Vote.LIKE)
    assert (await votes.profile(C1)).examples[0].title == P2.id  # an empty card: the id shows


async def test_a_vote_past_its_age_counts_nowhere_even_before_the_next_vote_trims_it(state: State) -> None:
    clock = Clock()
    votes = store(state, clock, max_age_seconds=100)
    await votes.vote(C1, P1, "slack:U1", Vote.LIKE)
    clock.now += 90
    await votes.vote(C1, P2, "slack:U1", Vote.DISLIKE)  # P1's vote is 90 s old: kept, and the keys live on
    clock.now += 60  # P1's vote is 150 s old now, and no vote came to trim it
    assert [e.paper_id for e in (await votes.profile(C1)).examples] == [P2.id]
    assert [e.paper_id for e in (await votes.profiles([C1]))[C1].examples] == [P2.id]
    taught = await votes.taught(C1)
    assert (taught.liked, [p.paper_id for p in taught.disliked], taught.votes) == ((), [P2.id], 1)
    assert await votes.counts(C1, [P1.id, P2.id]) == {P1.id: Tally(), P2.id: Tally(0, 1)}
