"""SlackBot: what every Bolt listener needs to answer a request (the core service and its votes,
permissions, the responder, the job runner, the coalescer of message edits). app.py wires the listeners to it; listeners import it from here, so
nothing imports app.py but the runtime."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.jobs import Jobs
from adapters.slack.permissions import Permissions, PermissionUnknown, unknown_notice
from adapters.slack.respond import Responder
from bot.commands import CHANGES_SETTINGS, Caller, Command, CommandService, Reply
from bot.commands.coalesce import Coalescer
from bot.commands.replies import INTERNAL_ERROR
from bot.commands.votes import VoteService
from bot.store import ChannelRef, State

log = logging.getLogger(__name__)

PLATFORM = "slack"
SEEN_SECONDS = 30 * 60  # a response_url lives 30 minutes: no redelivery is useful after that
SEEN_WAIT = 0.5  # seconds for that check; a Redis that does not answer must not delay the answer
MIN_ANSWER_TIME = 0.25  # seconds the core always gets, however long the checks before it took

SOMETHING_WENT_WRONG = INTERNAL_ERROR  # an exception outside the service (rendering, Slack)


@dataclass
class SlackBot:
    """Everything a listener needs: the core service, permissions, the responder and the job runner."""

    state: State
    client: AsyncWebClient
    service: CommandService
    permissions: Permissions
    responder: Responder
    jobs: Jobs = field(default_factory=Jobs)
    vote_edits: Coalescer = field(default_factory=Coalescer)  # relabelling voted messages

    @property
    def votes(self) -> VoteService:
        return self.service.votes

    async def first_time(self, *parts: str | None) -> bool:
        """False when this delivery (e.g. a trigger_id) was already handled, by any replica.

        Slack redelivers a request it thinks was not acknowledged (X-Slack-Retry-Num; a Socket
        Mode envelope's retry_attempt) with the same payload; answering it again would post twice.
        Key: P:seen:slack:<hash> (bot/store/keys.py), a 30-minute marker. Redis down or silent for
        SEEN_WAIT seconds: answer anyway (never drop).
        """
        if not all(parts):
            return True
        digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()  # type: ignore[arg-type]
        key = self.state.keys.seen("slack", digest)
        try:
            async with asyncio.timeout(SEEN_WAIT):
                return bool(await self.state.redis.set(key, "1", nx=True, ex=SEEN_SECONDS))
        except Exception as exc:
            log.warning("could not check for a redelivery (%s); answering", str(exc) or type(exc).__name__)
            return True

    async def answer(self, command: Command, *, team: str, channel: str, user: str, since: float) -> Reply:
        """The core's answer to `command`, asking Slack about the user only for settings changes.

        `since` is the time.monotonic() at which the request arrived: the redelivery check and
        users.info count against the service's deadline, so the user hears back within it even
        when Redis or Slack is slow.
        """
        can_manage = False
        if isinstance(command, CHANGES_SETTINGS):
            try:
                can_manage = await self.permissions.can_manage(team, user)
            except PermissionUnknown as exc:
                return unknown_notice(str(exc))
        caller = Caller(ChannelRef(PLATFORM, team, channel), f"{PLATFORM}:{user}", can_manage)
        left = self.service.deadline - (time.monotonic() - since)
        return await self.service.answer(command, caller, deadline=max(left, MIN_ANSWER_TIME))
