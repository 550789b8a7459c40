"""👍/👎 on papers, for every platform: the buttons a message gets, and what a click does.

`VoteService.bars(channel, papers)` signs the buttons of a message about to be sent (and reads the
channel's counts for them); `VoteService.cast(...)` checks a click (bot.commands.vote_tokens: made
by papers-bot, for this channel, not stale; and on the message it came from), stores it
(bot.store.votes) and says what to tell the voter. An adapter then edits the message through a
`Coalescer` (bot.commands.coalesce) with `counts(...)` read when the edit runs.

Nothing a click carries is trusted, and a failure never counts a vote silently: Redis down or
slow means the voter is told, ephemerally, that the vote did not count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import Enum

from redis.exceptions import RedisError

from bot.commands.replies import Notice, quote
from bot.commands.syntax import spell
from bot.commands.vote_tokens import TokenProblem, VoteSigner, VoteToken, load_signer
from bot.observability import metrics
from bot.papers import Paper
from bot.render.votes import VoteBar, VoteBars
from bot.store import ChannelRef, RedisUnavailable, State, Taught, Vote, VoteResult
from bot.store.votes import VOTE_MAX_AGE_DAYS, VOTES_MAX

log = logging.getLogger(__name__)

VOTE_DEADLINE = 2.0  # seconds for checking and storing a vote (Slack acked already; Discord deferred)
PAPER_WAIT = 1.0  # seconds to find the paper's title and abstract for its card
#: Seconds before VOTE_DEADLINE by which Redis must have run the vote (by its clock), or store nothing:
#: time for the reply to come back, so a vote the voter is told did not count is never stored late.
REPLY_MARGIN = 0.25
BARS_WAIT = 0.5  # seconds for each Redis read of `bars`: buttons must not make a listing miss its deadline


class VoteOutcome(Enum):
    COUNTED = "counted"
    TAKEN_BACK = "taken_back"
    EXPIRED = "expired"  # forged, edited, made for another channel, or stale
    NOT_IN_MESSAGE = "not_in_message"  # a valid value, but not one of the clicked message's buttons
    STORAGE_DOWN = "storage_down"


@dataclass(frozen=True, slots=True)
class VoteAnswer:
    """What a click did. `notice` is for the voter alone; None when the message's counts say it."""

    outcome: VoteOutcome
    token: VoteToken | None = None
    result: VoteResult | None = None
    notice: Notice | None = None

    @property
    def counted(self) -> bool:
        return self.outcome in (VoteOutcome.COUNTED, VoteOutcome.TAKEN_BACK)


EXPIRED = Notice(
    "That button no longer works",
    (
        "It belongs to another channel's post, or it is too old. Your vote did not count; "
        "vote on a recent post or listing instead.",
    ),
    tone="warning",
)
NOT_IN_MESSAGE = Notice(
    "That vote does not match this message",
    ("Your vote did not count. Vote with the buttons under the paper itself.",),
    tone="warning",
)
NOT_COUNTED = Notice(
    "Your vote did not count",
    ("I can't reach my storage right now. Nothing was changed; please try again in a minute.",),
    tone="error",
)


def counted_notice(result: VoteResult) -> Notice:
    """The confirmation for a message whose buttons cannot be relabelled (Slack ephemeral messages)."""
    tally = f"This channel: 👍 {result.tally.likes} · 👎 {result.tally.dislikes}."
    if result.mine is Vote.NONE:
        return Notice("Vote taken back", (tally,), tone="ok")
    said = "👍" if result.mine is Vote.LIKE else "👎"
    return Notice(
        f"{said} counted", (tally, "`/papers votes` lists what this channel's votes teach."), tone="ok"
    )


class Turn:
    """One click's place in its voter's line (`VoteService.turn`): `after` is the previous click's
    `done`, which `end()` sets for the next one."""

    __slots__ = ("_key", "_line", "after", "done")

    def __init__(
        self,
        line: dict[tuple[ChannelRef, str], Turn],
        key: tuple[ChannelRef, str],
        after: asyncio.Future[None] | None,
    ) -> None:
        self._line, self._key, self.after = line, key, after
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def end(self) -> None:
        """Let the voter's next click go (idempotent); the line is forgotten after its last click."""
        if not self.done.done():
            self.done.set_result(None)
        if self._line.get(self._key) is self:
            del self._line[self._key]


class VoteService:
    def __init__(
        self,
        state: State,
        *,
        clock: Callable[[], float] = time.time,
        deadline: float = VOTE_DEADLINE,
    ) -> None:
        self._state = state
        self._clock = clock
        self.deadline = deadline
        self._signer: VoteSigner | None = None
        self._turns: dict[tuple[ChannelRef, str], Turn] = {}  # each voter's latest click

    async def signer(self) -> VoteSigner:
        """The shared signer (its key read from Redis once per process). Raises RedisError."""
        if self._signer is None:
            self._signer = await load_signer(self._state.redis, self._state.keys)
        return self._signer

    async def bars(self, channel: ChannelRef, papers: Sequence[Paper]) -> VoteBars | None:
        """Signed buttons and current counts for `papers` in `channel`; None (no buttons) when
        Redis cannot give the key within BARS_WAIT: a post without buttons beats no post. Counts
        that cannot be read show 0."""
        now = self._clock()
        try:
            async with asyncio.timeout(BARS_WAIT):
                signer = await self.signer()
        except (RedisError, RedisUnavailable, OSError) as exc:
            log.warning("%s: vote buttons left out (%s)", channel, exc)
            return None
        try:
            async with asyncio.timeout(BARS_WAIT):
                tallies = await self._state.votes.counts(channel, [p.id for p in papers])
        except (RedisError, RedisUnavailable, OSError) as exc:
            log.warning("%s: vote counts unread (%s); shown as 0", channel, exc)
            tallies = {}
        bars: dict[str, VoteBar] = {}
        for paper in papers:
            like = signer.sign(channel, paper.id, Vote.LIKE, paper.list_day, now)
            dislike = signer.sign(channel, paper.id, Vote.DISLIKE, paper.list_day, now)
            if like and dislike:
                tally = tallies.get(paper.id)
                bars[paper.id] = VoteBar(
                    like, dislike, tally.likes if tally else 0, tally.dislikes if tally else 0
                )
        return bars

    def turn(self, channel: ChannelRef, voter: str) -> Turn:
        """`voter`'s place in the line of their clicks in `channel`: a click waits for the ones taken
        before it, so the last click wins even when an earlier one waits for HF (in this process).
        Adapters take it as the click arrives (before any await) and hand it to `cast`, or `end()`
        it if they do not cast."""
        key = (channel, voter)
        before = self._turns.get(key)
        turn = Turn(self._turns, key, before.done if before is not None else None)
        self._turns[key] = turn
        return turn

    async def cast(
        self,
        channel: ChannelRef,
        voter: str,
        value: str,
        *,
        shown: Collection[str] | None,
        turn: Turn | None = None,
    ) -> VoteAnswer:
        """Check and store one click of a vote button with `value`, by `voter` ("slack:U1"), within
        `deadline` seconds.

        `shown` are the vote values of the message clicked (None when the platform does not send
        the message, as Slack does not for ephemeral ones): a value that is not among them is
        refused. Never raises for a failure a user can meet.
        """
        answer = await self._cast(channel, voter, value, shown, turn)
        metrics.VOTES.labels(channel.platform, answer.outcome.value).inc()
        return answer

    async def _cast(
        self, channel: ChannelRef, voter: str, value: str, shown: Collection[str] | None, turn: Turn | None
    ) -> VoteAnswer:
        must_run_by = time.time() + self.deadline - min(REPLY_MARGIN, self.deadline / 4)
        turn = turn or self.turn(channel, voter)
        try:
            async with asyncio.timeout(self.deadline):
                if turn.after is not None:
                    await asyncio.shield(turn.after)
                signer = await self.signer()
                token = signer.read(channel, value, self._clock())
                if isinstance(token, TokenProblem):
                    log.info("%s: refused a %s vote value from %s", channel, token.value, voter)
                    return VoteAnswer(VoteOutcome.EXPIRED, notice=EXPIRED)
                if shown is not None and value not in shown:
                    log.info("%s: a vote on %s, not in the clicked message", channel, token.paper_id)
                    return VoteAnswer(VoteOutcome.NOT_IN_MESSAGE, token, notice=NOT_IN_MESSAGE)
                # The card is kept with the votes: the day's whole list is read only for a new one.
                carded = await self._state.votes.has_card(channel, token.paper_id)
                paper = None if carded else await self._paper(token)
                result = await self._state.votes.vote(
                    channel, paper or token.paper_id, voter, token.vote, deadline=must_run_by
                )
        except (TimeoutError, RedisError, RedisUnavailable, OSError) as exc:
            log.warning("%s: a vote did not count: %s", channel, str(exc) or type(exc).__name__)
            return VoteAnswer(VoteOutcome.STORAGE_DOWN, notice=NOT_COUNTED)
        finally:
            turn.end()
        outcome = VoteOutcome.TAKEN_BACK if result.mine is Vote.NONE else VoteOutcome.COUNTED
        return VoteAnswer(outcome, token, result)

    async def counts(self, channel: ChannelRef, paper_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(likes, dislikes) of each paper, read for one message edit (counted in the metrics).
        Raises RedisError."""
        metrics.VOTE_EDITS.labels(channel.platform).inc()
        tallies = await self._state.votes.counts(channel, paper_ids)
        return {pid: (t.likes, t.dislikes) for pid, t in tallies.items()}

    async def _paper(self, token: VoteToken) -> Paper | None:
        """The voted paper from the cached (or fetched) list of its day; None if it cannot be had."""
        try:
            listed = await asyncio.wait_for(
                self._state.papers.papers_for_day(token.list_day, wait=PAPER_WAIT), PAPER_WAIT + 0.2
            )
        except Exception as exc:  # HF down, a stale list: the vote counts without a new card
            log.info("no card for %s: %s", token.paper_id, str(exc) or type(exc).__name__)
            return None
        return next((p for p in listed if p.id == token.paper_id), None)


SHOWN_PER_SIDE = 8  # papers listed per side by `/papers votes` (a Discord answer is at most 2000 characters)


def taught_notice(taught: Taught, platform: str) -> Notice:
    """`/papers votes`: the liked and disliked papers that teach this channel's ranking."""
    if not taught.votes:
        return Notice(
            "This channel has no votes yet",
            (
                "Vote 👍 or 👎 under any paper of the daily post or of a listing: papers like the "
                "liked ones move up for this channel, papers like the disliked ones move down.",
            ),
        )
    lines = []
    for label, papers in (("👍 Liked", taught.liked), ("👎 Disliked", taught.disliked)):
        if not papers:
            continue
        lines.append(f"{label} ({len(papers)}):")
        for paper in papers[:SHOWN_PER_SIDE]:
            lines.append(
                f"• {quote(paper.title, 70)} {quote(paper.paper_id, 20)} "
                f"👍 {paper.tally.likes} · 👎 {paper.tally.dislikes}"
            )
        if len(papers) > SHOWN_PER_SIDE:
            lines.append(f"… and {len(papers) - SHOWN_PER_SIDE} more")
    if not (taught.liked or taught.disliked):
        lines.append("Every voted paper has as many 👍 as 👎, so the votes teach nothing yet.")
    lines.append(
        f"{taught.votes} votes kept (the latest {VOTES_MAX}, for {VOTE_MAX_AGE_DAYS} days). "
        f"Managers can clear them with `{spell('forget', platform)}`."
    )
    return Notice("What this channel's votes teach", tuple(lines))


def forgotten_notice(count: int) -> Notice:
    """`/papers forget`: the votes are gone."""
    if not count:
        return Notice("This channel had no votes to forget", (), tone="ok")
    return Notice(
        f"Forgot this channel's {count} votes",
        ("Its ranking is back to the plain one; new votes start teaching it again.",),
        tone="ok",
    )
