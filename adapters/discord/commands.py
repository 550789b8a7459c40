"""`/papers` as Discord slash commands: options -> Command -> CommandService -> embeds.

Translation only. Each subcommand builds the command of the shared language from its typed
options, asks the service (with `can_manage` from the member's Manage Channels permission in this
channel) and sends `discord_reply`'s payloads. Every answer starts within `defer_after` seconds:
when the service has not answered by then, the interaction is deferred ("thinking...") and the
answer replaces it when ready, well inside Discord's 3 s limit for the first response.

Who sees what: listings and settings changes are posted in the channel; status, topics, help,
refusals and problems are shown only to the person who asked (ephemeral).
"""

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Range

from adapters.discord.autocomplete import MAX_CHOICE_LENGTH, timezone_choices, topic_choices
from adapters.discord.permissions import interaction_can_manage
from adapters.discord.votes import vote_view
from bot.commands import CHANGES_SETTINGS, Caller, Command, CommandService, Notice, Reply, ShowPapers
from bot.commands.language import (
    DEFAULT_TOP,
    MAX_TOP,
    SUBCOMMANDS,
    ForgetVotes,
    Help,
    Pause,
    Resume,
    SetCount,
    SetTime,
    ShowVotes,
    Status,
    Subscribe,
    Topics,
    Unsubscribe,
    Why,
    parse,
    visible_text,
)
from bot.commands.payloads import discord_reply
from bot.commands.replies import INTERNAL_ERROR, TOO_SLOW
from bot.store import ChannelRef, SubscriptionStore
from bot.typed_text import fold

log = logging.getLogger(__name__)

PLATFORM = "discord"
DEFER_AFTER = 1.0  # seconds before deferring: leaves 2 s of Discord's 3 for the defer to arrive
ANSWER_TIMEOUT = 300.0  # give up on an answer after this (the interaction token lives 15 min)
AUTOCOMPLETE_TIMEOUT = 1.5  # suggestions must arrive within Discord's 3 s as well
NO_MENTIONS = discord.AllowedMentions.none()

PUBLIC = (ShowPapers, Why, *CHANGES_SETTINGS)  # answers the channel sees

NOT_IN_A_SERVER = Notice(
    "Use /papers in a server channel",
    ("papers-bot posts to server channels; it has nothing to show in direct messages.",),
    tone="warning",
)
FAILED = INTERNAL_ERROR  # an exception outside the service (rendering, Discord)

Topic = Range[str, 1, 100]
PAPER_MAX = 300  # an arXiv / Hugging Face link with tracking parameters runs past 100 characters
Top = Range[int, 1, MAX_TOP]


def subcommand(name: str) -> Any:
    """`app_commands.command` named and described as the `SUBCOMMANDS` entry whose Discord name is `name`."""
    spec = next(s for s in SUBCOMMANDS if s.discord == name)
    return app_commands.command(name=name, description=spec.discord_description)


def channel_of(interaction: discord.Interaction) -> ChannelRef | None:
    if interaction.guild_id is None or interaction.channel_id is None:
        return None
    return ChannelRef(PLATFORM, str(interaction.guild_id), str(interaction.channel_id))


def caller_of(interaction: discord.Interaction) -> Caller | None:
    """Who asks, where, and whether they manage this channel (None outside a server)."""
    channel = channel_of(interaction)
    if channel is None:
        return None
    return Caller(channel, f"discord:{interaction.user.id}", can_manage=interaction_can_manage(interaction))


def is_private(command: Command, reply: Reply | None = None) -> bool:
    """Whether the answer is shown only to the person who asked."""
    if isinstance(reply, Notice) and reply.tone in ("warning", "error"):
        return True
    return not isinstance(command, PUBLIC)


def message_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    """A rendered payload as discord.py keyword arguments (no mention is ever allowed); its vote
    buttons, if any, as a view (adapters.discord.votes)."""
    kwargs: dict[str, Any] = {
        "content": payload.get("content") or None,
        "embeds": [discord.Embed.from_dict(e) for e in payload.get("embeds", ())],
        "allowed_mentions": NO_MENTIONS,
    }
    if payload.get("components"):
        kwargs["view"] = vote_view(payload["components"])
    return kwargs


def _text(value: str | None) -> str | None:
    cleaned = visible_text(value) if value else ""
    return cleaned or None


def _top(value: int) -> int:
    return max(1, min(MAX_TOP, value))


def _day(text: str) -> tuple[Any, Help | None]:
    """`YYYY-MM-DD`, `today` or `yesterday` -> ShowPapers.when, as the text language reads it."""
    parsed = parse(_text(text) or "")
    if isinstance(parsed, ShowPapers) and parsed.query is None and parsed.when != "week":
        return parsed.when, None
    if isinstance(parsed, Help):
        return None, parsed
    return None, Help(
        problem=f"`{text[:20]}` is not a date: use YYYY-MM-DD, e.g. `2025-10-15`, or `yesterday`."
    )


async def send_reply(interaction: discord.Interaction, reply: Reply, *, ephemeral: bool) -> None:
    """Answer an interaction not yet responded to; long listings continue as followups."""
    payloads = discord_reply(reply)
    await interaction.response.send_message(**message_kwargs(payloads[0]), ephemeral=ephemeral)
    for payload in payloads[1:]:
        await interaction.followup.send(**message_kwargs(payload), ephemeral=ephemeral, wait=True)


async def finish_deferred(interaction: discord.Interaction, reply: Reply, *, ephemeral: bool) -> None:
    """Replace the deferred "thinking..." message with the answer; the rest as followups."""
    payloads = discord_reply(reply)
    await interaction.edit_original_response(**message_kwargs(payloads[0]))
    for payload in payloads[1:]:
        await interaction.followup.send(**message_kwargs(payload), ephemeral=ephemeral, wait=True)


class PapersCommands(app_commands.Group):
    """The `/papers` command group. `service`/`subscriptions` may be None only to sync definitions."""

    def __init__(
        self,
        service: CommandService | None,
        subscriptions: SubscriptionStore | None,
        *,
        defer_after: float = DEFER_AFTER,
        answer_timeout: float = ANSWER_TIMEOUT,
    ) -> None:
        super().__init__(
            name="papers", description="Hugging Face Daily Papers in this channel", guild_only=True
        )
        self.service = service
        self.subscriptions = subscriptions
        self.defer_after = defer_after
        self.answer_timeout = answer_timeout

    # --- the one path every subcommand takes ---------------------------------------------

    async def answer(self, interaction: discord.Interaction, command: Command) -> None:
        caller = caller_of(interaction)
        if caller is None:
            await send_reply(interaction, NOT_IN_A_SERVER, ephemeral=True)
            return
        if self.service is None:
            raise RuntimeError("PapersCommands was built without a CommandService")
        work = asyncio.ensure_future(self.service.answer(command, caller))
        done, _ = await asyncio.wait({work}, timeout=self.defer_after)
        if work in done:
            reply = work.result()
            await send_reply(interaction, reply, ephemeral=is_private(command, reply))
            return
        ephemeral = is_private(command)
        try:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        except BaseException:
            work.cancel()
            raise
        try:
            reply = await asyncio.wait_for(work, self.answer_timeout)
        except TimeoutError:
            log.warning(
                "%s in %s: no answer within %.0f s",
                type(command).__name__,
                caller.channel,
                self.answer_timeout,
            )
            reply = TOO_SLOW
        await finish_deferred(interaction, reply, ephemeral=ephemeral)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Log it, and tell the person something went wrong instead of leaving them waiting."""
        log.error("/papers failed in %s", interaction.channel_id, exc_info=error)
        deferred = discord.InteractionResponseType.deferred_channel_message
        try:
            if not interaction.response.is_done():
                await send_reply(interaction, FAILED, ephemeral=True)
            elif interaction.response.type == deferred:  # replace "thinking..."
                await interaction.edit_original_response(**message_kwargs(discord_reply(FAILED)[0]))
            else:
                await interaction.followup.send(**message_kwargs(discord_reply(FAILED)[0]), ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("could not tell the user about the failure: %s", exc)

    # --- listings ---------------------------------------------------------------------------

    @subcommand("today")
    @app_commands.describe(
        top="How many papers (1-20)", topic="Only papers about this, e.g. diffusion -video"
    )
    async def today(
        self, interaction: discord.Interaction, top: Top = DEFAULT_TOP, topic: Topic | None = None
    ) -> None:
        await self.answer(interaction, ShowPapers(when="latest", top=_top(top), query=_text(topic)))

    @subcommand("top")
    @app_commands.describe(count="How many papers (1-20)", topic="Only papers about this")
    async def top(self, interaction: discord.Interaction, count: Top, topic: Topic | None = None) -> None:
        await self.answer(interaction, ShowPapers(when="latest", top=_top(count), query=_text(topic)))

    @subcommand("date")
    @app_commands.describe(
        day="YYYY-MM-DD or yesterday", top="How many papers (1-20)", topic="Only papers about this"
    )
    async def date(
        self,
        interaction: discord.Interaction,
        day: Range[str, 1, 20],
        top: Top = DEFAULT_TOP,
        topic: Topic | None = None,
    ) -> None:
        when, problem = _day(day)
        command: Command = problem or ShowPapers(when=when, top=_top(top), query=_text(topic))
        await self.answer(interaction, command)

    @subcommand("week")
    @app_commands.describe(top="How many papers (1-20)", topic="Only papers about this")
    async def week(
        self, interaction: discord.Interaction, top: Top = DEFAULT_TOP, topic: Topic | None = None
    ) -> None:
        await self.answer(interaction, ShowPapers(when="week", top=_top(top), query=_text(topic)))

    @subcommand("search")
    @app_commands.describe(query='Words, "exact phrases", -excluded, OR', top="How many papers (1-20)")
    async def search(self, interaction: discord.Interaction, query: Topic, top: Top = DEFAULT_TOP) -> None:
        text = _text(query)
        command: Command = (
            ShowPapers(top=_top(top), query=text) if text else Help(problem="`search` needs a query.")
        )
        await self.answer(interaction, command)

    @subcommand("why")
    @app_commands.describe(paper="arXiv id or arXiv / Hugging Face link, e.g. 2510.12586")
    async def why(self, interaction: discord.Interaction, paper: Range[str, 1, PAPER_MAX]) -> None:
        parsed = parse(f"why {_text(paper) or ''}")
        await self.answer(interaction, parsed if isinstance(parsed, Why | Help) else Help())

    # --- this channel's daily post ------------------------------------------------------------

    @subcommand("subscribe")
    @app_commands.describe(topic='Follow this topic, e.g. diffusion or "efficient inference"')
    async def subscribe(self, interaction: discord.Interaction, topic: Topic | None = None) -> None:
        await self.answer(interaction, Subscribe(_text(topic)))

    @subcommand("unsubscribe")
    @app_commands.describe(topic="A topic this channel follows, or all")
    async def unsubscribe(self, interaction: discord.Interaction, topic: Topic) -> None:
        text = _text(topic) or ""
        await self.answer(interaction, Unsubscribe("all" if fold(text).lower() == "all" else text))

    @subcommand("topics")
    async def topics(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, Topics())

    @subcommand("time")
    @app_commands.describe(
        time="24-hour HH:MM, e.g. 09:00", timezone="City, country or time zone, e.g. Berlin"
    )
    async def time(
        self, interaction: discord.Interaction, time: Range[str, 1, 10], timezone: Topic | None = None
    ) -> None:
        await self.answer(interaction, SetTime(time.strip(), _text(timezone)))

    @subcommand("count")
    @app_commands.describe(count="Papers per post (1-20)")
    async def count(self, interaction: discord.Interaction, count: Top) -> None:
        await self.answer(interaction, SetCount(count))

    @subcommand("pause")
    async def pause(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, Pause())

    @subcommand("resume")
    async def resume(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, Resume())

    @subcommand("status")
    async def status(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, Status())

    @subcommand("votes")
    async def votes(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, ShowVotes())

    @subcommand("forget")
    async def forget(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, ForgetVotes())

    @subcommand("help")
    async def help(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, Help())

    # --- autocomplete ---------------------------------------------------------------------------

    async def _subscription_field(self, interaction: discord.Interaction, read: Any) -> Any:
        """A value from the channel's subscription for suggestions; None when slow or missing."""
        channel = channel_of(interaction)
        if channel is None or self.subscriptions is None:
            return None
        try:
            sub = await asyncio.wait_for(self.subscriptions.get(channel), AUTOCOMPLETE_TIMEOUT)
        except Exception as exc:  # suggestions are a convenience: never fail the interaction
            log.info("no suggestions for %s: %s", channel, exc)
            return None
        return read(sub) if sub is not None else None

    @unsubscribe.autocomplete("topic")
    async def _topic_suggestions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        topics = await self._subscription_field(interaction, lambda sub: sub.topics) or ()
        return _choices(topic_choices(topics, current, include_all=True))

    @time.autocomplete("timezone")
    async def _timezone_suggestions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        zone = await self._subscription_field(interaction, lambda sub: sub.timezone)
        pairs = timezone_choices(current, [zone] if zone else [])
        return [app_commands.Choice(name=name, value=value) for name, value in pairs]


def _choices(values: list[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=v[:MAX_CHOICE_LENGTH], value=v[:MAX_CHOICE_LENGTH]) for v in values]
