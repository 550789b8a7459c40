"""A channel's 👍/👎 votes on papers, and the relevance-feedback profile they make (issue 12).

One vote per person per paper per channel: voting again the same way takes it back, the other way
changes it. Each channel keeps at most `VOTES_MAX` votes and none older than `VOTE_MAX_AGE_DAYS`
(the VOTE script trims on every write, atomically), with a card per voted paper (its title and
the start of its abstract) so the profile outlives Hugging Face's list cache. Keys:
`P:votes:{...}`, `P:votes:t:{...}`, `P:votes:card:{...}` (bot.store.keys); `unsubscribe` and
`reset` delete them.

The channel's vote on a paper is the sign of its likes minus its dislikes; a tie teaches nothing.
`profiles(channels)` reads many channels in one pipelined round trip, for the daily pass.
"""

from __future__ import annotations

import json
import re
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from bot.papers import Paper
from bot.ranking.feedback import (
    EXAMPLE_TEXT_CHARS,
    EXAMPLE_TITLE_CHARS,
    FeedbackExample,
    FeedbackProfile,
    example_of,
)
from bot.store.keys import ChannelRef, Keys
from bot.store.scripts import VOTE, run_one
from bot.text_format import clip

#: Votes a channel keeps (the most recent). A profile of a few hundred examples is what relevance
#: feedback uses well; more mostly repeats itself and costs every vote and every daily pass.
VOTES_MAX = 300
#: Days a vote counts. Interests move; "months, not years" (issue 12).
VOTE_MAX_AGE_DAYS = 180
VOTE_MAX_AGE_SECONDS = VOTE_MAX_AGE_DAYS * 86400
_TOKEN = re.compile(r"^\S{1,200}$")  # a paper id or a voter: no blank (the member separator)


class Vote(IntEnum):
    """A person's vote on a paper: the value stored and the `vote` of a FeedbackExample."""

    NONE = 0
    LIKE = 1
    DISLIKE = -1


@dataclass(frozen=True, slots=True)
class Tally:
    """A paper's votes in one channel."""

    likes: int = 0
    dislikes: int = 0

    @property
    def net(self) -> int:
        return self.likes - self.dislikes


@dataclass(frozen=True, slots=True)
class VoteResult:
    """After a vote: the voter's vote now (NONE when it was taken back) and the paper's tally."""

    mine: Vote
    tally: Tally


@dataclass(frozen=True, slots=True)
class TaughtPaper:
    """One voted paper as `/papers votes` lists it."""

    paper_id: str
    title: str
    tally: Tally
    last_vote_at: datetime


@dataclass(frozen=True, slots=True)
class Taught:
    """What a channel's votes teach: liked and disliked papers (most recent vote first)."""

    liked: tuple[TaughtPaper, ...] = ()
    disliked: tuple[TaughtPaper, ...] = ()
    votes: int = 0  # votes stored, ties included


class VoteStore:
    """Votes per channel in Redis. Every method raises redis.exceptions.RedisError when Redis fails."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        clock: Callable[[], float] = _time.time,
        max_votes: int = VOTES_MAX,
        max_age_seconds: int = VOTE_MAX_AGE_SECONDS,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self.max_votes = max_votes
        self.max_age_seconds = max_age_seconds

    async def vote(
        self,
        channel: ChannelRef,
        paper: Paper | FeedbackExample | str,
        voter: str,
        vote: Vote,
        *,
        deadline: float | None = None,
    ) -> VoteResult:
        """Record `voter`'s `vote` (LIKE or DISLIKE) on `paper`; the same vote again takes it back.

        `paper` is the Paper, an example of it (title and text), or only its id when neither can
        be had (Hugging Face down): the paper's stored card is then kept, or an empty one made.
        `deadline` (epoch seconds, wall clock): if Redis runs the vote later than that by its own
        clock (it stalled, the command waited in its socket), nothing is stored and
        redis.exceptions.ResponseError ("LATE ...") is raised; the deadline is only as exact as the
        two clocks agree. Raises ValueError for a NONE vote or an id with blanks.
        """
        if vote is Vote.NONE:
            raise ValueError("vote LIKE or DISLIKE; voting the same again takes a vote back")
        if isinstance(paper, str):
            paper_id, card = paper, ""
        else:
            example = example_of(paper, int(vote)) if isinstance(paper, Paper) else paper
            paper_id = example.paper_id
            card = json.dumps(
                {"t": clip(example.title, EXAMPLE_TITLE_CHARS), "x": clip(example.text, EXAMPLE_TEXT_CHARS)},
                ensure_ascii=False,
                separators=(",", ":"),
            )
        if not (_TOKEN.match(paper_id) and _TOKEN.match(voter)):
            raise ValueError(f"paper id and voter must be 1-200 characters without blanks: {paper_id!r}")
        mine, likes, dislikes = await run_one(
            self._redis,
            VOTE,
            self._keys.vote_keys(channel),
            [
                paper_id,
                voter,
                int(vote),
                int(self._clock()),
                card,
                self.max_votes,
                self.max_age_seconds,
                "" if deadline is None else int(deadline * 1000),
            ],
        )
        return VoteResult(Vote(int(mine)), Tally(int(likes), int(dislikes)))

    async def counts(self, channel: ChannelRef, paper_ids: Sequence[str]) -> dict[str, Tally]:
        """The tally of each of `paper_ids` in `channel` (zero for papers nobody voted on)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            self._read(pipe, channel, cards=False)
            votes, times = await pipe.execute()
        tallies = _tallies(_fresh(votes, times))
        return {pid: tallies.get(pid, Tally()) for pid in paper_ids}

    async def has_card(self, channel: ChannelRef, paper_id: str) -> bool:
        """Whether the channel keeps a card with the title and text of `paper_id` (a vote by id
        alone then keeps it; an empty card, made when HF was down, does not count)."""
        card = await self._redis.hget(self._keys.vote_cards(channel), paper_id)
        return card is not None and card not in ("{}", b"{}")

    async def mine(self, channel: ChannelRef, paper_id: str, voter: str) -> Vote:
        """`voter`'s vote on `paper_id` in `channel`."""
        value = await self._redis.hget(self._keys.votes(channel), f"{paper_id} {voter}")
        return Vote(int(value)) if value in ("1", "-1") else Vote.NONE

    async def profile(self, channel: ChannelRef) -> FeedbackProfile:
        """The channel's feedback profile (empty without votes)."""
        return (await self.profiles([channel]))[channel]

    async def profiles(self, channels: Sequence[ChannelRef]) -> dict[ChannelRef, FeedbackProfile]:
        """Every channel's profile, read in one pipelined round trip (no transaction: each channel's
        keys are in their own slot). Examples are most recently voted first, ties left out."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for channel in channels:
                self._read(pipe, channel)
            replies = await pipe.execute()
        out: dict[ChannelRef, FeedbackProfile] = {}
        for i, channel in enumerate(channels):
            votes, times, cards = replies[3 * i : 3 * i + 3]
            papers = _papers(votes, times, cards)
            out[channel] = FeedbackProfile(
                tuple(
                    FeedbackExample(p.paper_id, p.title, text, 1 if p.tally.net > 0 else -1)
                    for p, text in papers
                    if p.tally.net
                )
            )
        return out

    async def taught(self, channel: ChannelRef) -> Taught:
        """What the channel's votes teach, for `/papers votes`."""
        async with self._redis.pipeline(transaction=False) as pipe:
            self._read(pipe, channel)
            votes, times, cards = await pipe.execute()
        papers = [p for p, _ in _papers(votes, times, cards)]
        return Taught(
            liked=tuple(p for p in papers if p.tally.net > 0),
            disliked=tuple(p for p in papers if p.tally.net < 0),
            votes=len(_fresh(votes, times)),
        )

    def _read(self, pipe: Pipeline, channel: ChannelRef, *, cards: bool = True) -> None:
        """Queue the reads of the channel's votes: the hash, the votes younger than the retention
        (the VOTE script trims older ones only when the channel votes again, so reads skip them
        too), and the cards."""
        pipe.hgetall(self._keys.votes(channel))
        pipe.zrangebyscore(
            self._keys.vote_times(channel), self._clock() - self.max_age_seconds, "+inf", withscores=True
        )
        if cards:
            pipe.hgetall(self._keys.vote_cards(channel))

    async def reset(self, channel: ChannelRef) -> int:
        """Forget every vote of the channel; returns how many there were."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hlen(self._keys.votes(channel))
            pipe.delete(*self._keys.vote_keys(channel))
            count, _ = await pipe.execute()
        return int(count)


def _fresh(votes: dict[str, str], times: list[tuple[str, float]]) -> dict[str, str]:
    """The votes among `times` (those young enough)."""
    return {member: votes[member] for member, _ in times if member in votes}


def _tallies(votes: dict[str, str]) -> dict[str, Tally]:
    likes: dict[str, int] = {}
    dislikes: dict[str, int] = {}
    for member, value in votes.items():
        paper = member.split(" ", 1)[0]
        bucket = likes if value == "1" else dislikes
        bucket[paper] = bucket.get(paper, 0) + 1
    return {p: Tally(likes.get(p, 0), dislikes.get(p, 0)) for p in likes.keys() | dislikes.keys()}


def _papers(
    votes: dict[str, str], times: list[tuple[str, float]], cards: dict[str, str]
) -> list[tuple[TaughtPaper, str]]:
    """Voted papers with their card text, the most recently voted first."""
    tallies = _tallies(_fresh(votes, times))
    latest: dict[str, float] = {}
    for member, at in times:
        paper = member.split(" ", 1)[0]
        latest[paper] = max(at, latest.get(paper, 0.0))
    out = []
    for paper in sorted(tallies, key=lambda p: (-latest.get(p, 0.0), p)):
        try:
            card = json.loads(cards.get(paper) or "{}")
        except ValueError:
            card = {}
        title = str(card.get("t") or paper) if isinstance(card, dict) else paper
        text = str(card.get("x") or "") if isinstance(card, dict) else ""
        stamp = datetime.fromtimestamp(latest.get(paper, 0.0), UTC)
        out.append((TaughtPaper(paper, title, tallies[paper], stamp), text))
    return out
