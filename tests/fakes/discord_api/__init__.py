"""A local stand-in of Discord (REST API + gateway) for running a real discord.py bot in tests.

See README.md in this folder. The names most tests need are re-exported here.
"""

from .payloads import (
    ChannelSpec,
    GuildSpec,
    UserSpec,
    option,
    subcommand,
    subcommand_group,
)
from .rest import (
    RecordedRequest,
    Reply,
    cloudflare_ban,
    json_error,
    missing_access,
    missing_permissions,
    rate_limited,
    server_error,
    slow,
    unknown_channel,
    unknown_message,
)
from .server import DiscordStandIn, DiscordStandInThread, DispatchedInteraction, point_discord_py, running

__all__ = [
    "ChannelSpec",
    "DiscordStandIn",
    "DiscordStandInThread",
    "DispatchedInteraction",
    "GuildSpec",
    "RecordedRequest",
    "Reply",
    "UserSpec",
    "cloudflare_ban",
    "json_error",
    "missing_access",
    "missing_permissions",
    "option",
    "point_discord_py",
    "rate_limited",
    "running",
    "server_error",
    "slow",
    "subcommand",
    "subcommand_group",
    "unknown_channel",
    "unknown_message",
]
