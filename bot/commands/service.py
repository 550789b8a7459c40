"""Answer any command for any platform: the one entry point both adapters call.

The adapter says who is asking (`Caller`, including whether they may manage the channel, which
only the platform can tell) and renders the `Reply`. Every failure a user can meet becomes a
friendly Notice here, so no adapter shows a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError

from bot.commands import channel as channel_answers
from bot.commands.help import help_notice
from bot.commands.language import (
    CHANGES_SETTINGS,
    REFUSALS,
    Command,
    ForgetVotes,
    Help,
    ShowPapers,
    ShowVotes,
    Status,
    Topics,
    Why,
    parse,
)
from bot.commands.listings import show_papers, why
from bot.commands.replies import INTERNAL_ERROR, STORAGE_DOWN, TOO_SLOW, Listing, Notice, Reply, refused
from bot.commands.votes import VoteService, forgotten_notice, taught_notice
from bot.observability import metrics
from bot.ranking import FeedbackProfile
from bot.store import NotSubscribed, RedisUnavailable, State, SubscriptionError
from bot.store.keys import ChannelRef

log = logging.getLogger(__name__)


#: Longest a command may take here. The platforms want an answer within 3 s (Slack's ack is sent
#: earlier, Discord's deferral at 1 s), and a Redis that accepts connections but never answers (a
#: network partition) would otherwise hold the answer for the client's socket timeout, or longer.
ANSWER_DEADLINE = 2.0


@dataclass(frozen=True, slots=True)
class Caller:
    """Who typed the command, where, and whether the platform lets them manage this channel."""

    channel: ChannelRef
    user: str  # e.g. "slack:U123"; stored as "changed by"
    can_manage: bool


class CommandService:
    def __init__(
        self,
        state: State,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        deadline: float = ANSWER_DEADLINE,
    ) -> None:
        self._state = state
        self._clock = clock
        self.deadline = deadline
        self.votes = VoteService(state, clock=lambda: self._clock().timestamp())

    async def run(self, text: str, caller: Caller) -> Reply:
        """Parse and answer what the user typed after `/papers`."""
        return await self.answer(parse(text), caller)

    async def answer(self, command: Command, caller: Caller, *, deadline: float | None = None) -> Reply:
        """The reply to `command`, within `deadline` seconds (default: the service's) whatever happens."""
        name = type(command).__name__
        started = time.perf_counter()
        reply = await self._answer_safely(command, caller, self.deadline if deadline is None else deadline)
        metrics.COMMAND_SECONDS.labels(name).observe(time.perf_counter() - started)
        outcome = reply.tone if isinstance(reply, Notice) else "ok"
        metrics.COMMANDS.labels(name, outcome).inc()
        return reply

    async def _answer_safely(self, command: Command, caller: Caller, deadline: float) -> Reply:
        try:
            async with asyncio.timeout(deadline):
                return await self._answer(command, caller)
        except TimeoutError:  # before OSError, of which it is a subclass
            log.warning("%s: no answer within %.1f s", type(command).__name__, deadline)
            return TOO_SLOW
        except SubscriptionError as exc:
            return Notice(exc.title or "That setting doesn't work", (str(exc),), tone="warning")
        except NotSubscribed:
            return channel_answers.not_subscribed(caller.channel.platform)
        except (RedisError, RedisUnavailable, OSError) as exc:
            log.warning("storage unavailable for %s: %s", type(command).__name__, exc)
            return STORAGE_DOWN
        except Exception:  # a bug: log it for us, never show a trace to the user
            log.exception("command %s failed", type(command).__name__)
            return INTERNAL_ERROR

    async def _answer(self, command: Command, caller: Caller) -> Reply:
        if isinstance(command, CHANGES_SETTINGS) and not caller.can_manage:
            return refused(caller.channel.platform, REFUSALS[type(command)])
        reply = await HANDLERS[type(command)](self._state, command, caller, self._clock())
        if isinstance(reply, Listing) and reply.digest.entries:  # every listed paper gets 👍/👎
            papers = [entry.paper for entry in reply.digest.entries]
            reply = replace(reply, votes=await self.votes.bars(caller.channel, papers))
        return reply


# How each command is answered: (state, command, caller, now) -> Reply. The command's class is the key.
Handler = Callable[[State, Any, Caller, datetime], Awaitable[Reply]]


async def _change(state: State, command: Any, caller: Caller, now: datetime) -> Reply:
    return await channel_answers.change(command, state.subscriptions, caller.channel, caller.user, now)


async def _profile(state: State, channel: ChannelRef) -> FeedbackProfile | None:
    """The channel's feedback profile; None (the plain ranking) when Redis cannot give it."""
    try:
        return await state.votes.profile(channel)
    except (RedisError, RedisUnavailable, OSError) as exc:
        log.warning("%s: ranking without the channel's votes (%s)", channel, exc)
        return None


async def _show(state: State, command: ShowPapers, caller: Caller, now: datetime) -> Reply:
    return await show_papers(command, state.papers, now, await _profile(state, caller.channel))


async def _why(state: State, command: Why, caller: Caller, now: datetime) -> Reply:
    sub = await state.subscriptions.get(caller.channel)
    profile = await _profile(state, caller.channel)
    return await why(command, state.papers, sub.topics if sub else (), now, profile)


async def _show_votes(state: State, command: ShowVotes, caller: Caller, now: datetime) -> Reply:
    return taught_notice(await state.votes.taught(caller.channel), caller.channel.platform)


async def _forget_votes(state: State, command: ForgetVotes, caller: Caller, now: datetime) -> Reply:
    return forgotten_notice(await state.votes.reset(caller.channel))


async def _topics(state: State, command: Topics, caller: Caller, now: datetime) -> Reply:
    return await channel_answers.topics(state.subscriptions, caller.channel)


async def _status(state: State, command: Status, caller: Caller, now: datetime) -> Reply:
    return await channel_answers.status(state.subscriptions, caller.channel, now)


async def _help(state: State, command: Help, caller: Caller, now: datetime) -> Reply:
    return help_notice(command, caller.channel.platform)


HANDLERS: dict[type[Command], Handler] = {
    ShowPapers: _show,
    Why: _why,
    Topics: _topics,
    Status: _status,
    Help: _help,
    ShowVotes: _show_votes,
    **dict.fromkeys(CHANGES_SETTINGS, _change),
    ForgetVotes: _forget_votes,  # manager-only (CHANGES_SETTINGS), but not a subscription change
}
