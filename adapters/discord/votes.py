"""👍/👎 buttons on Discord: the message components of a post or listing, and what a click does.

Buttons are `VoteButton`s, a discord.py `DynamicItem` matched by its custom_id (a signed value,
bot.commands.vote_tokens), so any click on any message ever sent is routed here, after a restart
too, and no view is kept in memory per message. A click is deferred at once (the message does
not change yet; Discord's 3 s are never at risk), checked and stored by the core's VoteService,
and the message is then edited through the interaction (`edit_original_response`, which for a
component interaction edits the message the button is on, ephemeral ones included), at most once
per message per `Coalescer` interval, with the counts read when the edit runs. Refusals (a forged,
stale or foreign button, Redis down) are told to the voter alone, as an ephemeral followup.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.commands.coalesce import Coalescer
from bot.commands.payloads import discord_reply
from bot.commands.replies import Notice
from bot.commands.vote_tokens import unverified_parts
from bot.commands.votes import VoteService
from bot.render.votes import discord_label
from bot.store import ChannelRef

log = logging.getLogger(__name__)

PLATFORM = "discord"
NO_MENTIONS = discord.AllowedMentions.none()
_RANK = re.compile(r"^#(\d+)")
NOT_IN_A_SERVER = Notice("Votes count in server channels only", (), tone="warning")


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pv1\|[ud]\|.{1,94}"):
    """One 👍 or 👎 button; its custom_id is the signed vote value."""

    def __init__(
        self, custom_id: str, *, label: str | None = None, emoji: str | None = None, row: int | None = None
    ) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary, label=label, emoji=emoji, custom_id=custom_id, row=row
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        client = interaction.client
        handler: VoteClicks | None = getattr(client, "vote_clicks", None)
        if handler is None:
            log.warning("a vote click reached a client without vote handling")
            return
        await handler.click(interaction, self.item.custom_id or "")


def vote_view(components: list[dict[str, Any]]) -> discord.ui.View:
    """The rendered action rows (bot.render.votes.discord_vote_rows) as a view of VoteButtons."""
    view = discord.ui.View(timeout=None)
    for row, action_row in enumerate(components):
        for button in action_row.get("components", ()):
            emoji = (button.get("emoji") or {}).get("name")
            view.add_item(VoteButton(button["custom_id"], label=button.get("label"), emoji=emoji, row=row))
    return view


def _buttons(message: discord.Message | None) -> list[tuple[int, discord.Button]]:
    """(row, button) of every vote button on `message`."""
    found = []
    for row, component in enumerate(message.components if message else ()):
        for child in getattr(component, "children", ()):
            if isinstance(child, discord.Button) and (child.custom_id or "").startswith("pv1|"):
                found.append((row, child))
    return found


class VoteClicks:
    """Handles every vote click of one client."""

    def __init__(self, votes: VoteService, edits: Coalescer | None = None) -> None:
        self.votes = votes
        self.edits = edits or Coalescer()

    async def click(self, interaction: discord.Interaction, value: str) -> None:
        if interaction.guild_id is None or interaction.channel_id is None:
            await interaction.response.send_message(
                _content(NOT_IN_A_SERVER), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        channel = ChannelRef(PLATFORM, str(interaction.guild_id), str(interaction.channel_id))
        voter = f"{PLATFORM}:{interaction.user.id}"
        turn = self.votes.turn(channel, voter)  # before any await: clicks are stored in the order they came
        try:
            await interaction.response.defer()  # DEFERRED_UPDATE_MESSAGE: acknowledged, the message unchanged
            shown = {b.custom_id for _, b in _buttons(interaction.message) if b.custom_id}
            answer = await self.votes.cast(channel, voter, value, shown=shown, turn=turn)
        finally:
            turn.end()
        if answer.notice is not None:
            await interaction.followup.send(
                _content(answer.notice), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        message_id = interaction.message.id if interaction.message else interaction.id
        self.edits.request(f"{PLATFORM}:{message_id}", lambda: self._relabel(interaction, channel))

    async def _relabel(self, interaction: discord.Interaction, channel: ChannelRef) -> None:
        """Edit the clicked message's buttons to show the channel's counts now."""
        buttons = _buttons(interaction.message)
        parts = {b.custom_id: unverified_parts(b.custom_id or "") for _, b in buttons}
        papers = sorted({p[0] for p in parts.values() if p})
        counts = await self.votes.counts(channel, papers)
        view = discord.ui.View(timeout=None)
        for row, button in buttons:
            part = parts.get(button.custom_id)
            rank = _RANK.match(button.label or "")
            if part is None or rank is None:
                continue
            likes, dislikes = counts.get(part[0], (0, 0))
            count = likes if part[1] > 0 else dislikes
            emoji = button.emoji.name if button.emoji else None
            view.add_item(
                VoteButton(
                    button.custom_id or "",
                    label=discord_label(int(rank.group(1)), count),
                    emoji=emoji,
                    row=row,
                )
            )
        await interaction.edit_original_response(view=view, allowed_mentions=NO_MENTIONS)


def _content(notice: Notice) -> str:
    return str(discord_reply(notice)[0]["content"])
