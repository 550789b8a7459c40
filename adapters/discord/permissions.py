"""Who may change a channel's daily post, and what the bot itself needs: Discord permissions only.

Discord sends, with every interaction in a guild, the invoking member's permissions *in that
channel* (roles and overwrites applied). Settings commands need Manage Channels there; Administrator
implies it. This is checked in code for every command: the `default_permissions` of a slash
command is only a hint a server can override, and Discord allows it on top-level commands only,
so it cannot guard `/papers subscribe` without hiding `/papers today` from everyone.
"""

from __future__ import annotations

import discord

#: What the bot needs to post the daily papers in a channel: see it, write in it, show embeds.
#: Slash command answers need no permission (they go through the interaction webhook).
BOT_PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
BOT_PERMISSION_NAMES = ("View Channels", "Send Messages", "Embed Links")  # as Discord's settings name them

#: Scopes of the install link: the bot user and its slash commands.
INSTALL_SCOPES = ("bot", "applications.commands")


def can_manage_channel(permissions: discord.Permissions) -> bool:
    """True when these (channel-resolved) permissions allow changing the channel's daily post."""
    return permissions.administrator or permissions.manage_channels


def interaction_can_manage(interaction: discord.Interaction) -> bool:
    """Whether the person behind `interaction` manages its channel. Never true outside a guild."""
    if interaction.guild_id is None:
        return False
    return can_manage_channel(interaction.permissions)


def invite_url(application_id: int) -> str:
    """The link that installs the bot in a server with the minimal permissions (BOT_PERMISSIONS)."""
    return discord.utils.oauth_url(application_id, permissions=BOT_PERMISSIONS, scopes=INSTALL_SCOPES)
