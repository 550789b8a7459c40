"""Discord API-shaped payloads (API v10) for the stand-in: snowflakes, users, guilds, messages, interactions.

Everything here is plain data: dicts shaped like what Discord sends, so discord.py parses them exactly as it
parses the real thing. The spec dataclasses describe the world the stand-in serves (guilds, channels, the bot).
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types)
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
GUILD_FORUM = 15

# Interaction types
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Application command types
CHAT_INPUT = 1
USER_COMMAND = 2
MESSAGE_COMMAND = 3

# Application command option types
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11

# Interaction callback types
CB_PONG = 1
CB_CHANNEL_MESSAGE_WITH_SOURCE = 4
CB_DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
CB_DEFERRED_UPDATE_MESSAGE = 6
CB_UPDATE_MESSAGE = 7
CB_AUTOCOMPLETE_RESULT = 8
CB_MODAL = 9

# Permission bits used by the defaults (https://discord.com/developers/docs/topics/permissions)
P_ADMINISTRATOR = 1 << 3
P_MANAGE_CHANNELS = 1 << 4
P_MANAGE_GUILD = 1 << 5
P_ADD_REACTIONS = 1 << 6
P_VIEW_CHANNEL = 1 << 10
P_SEND_MESSAGES = 1 << 11
P_MANAGE_MESSAGES = 1 << 13
P_EMBED_LINKS = 1 << 14
P_ATTACH_FILES = 1 << 15
P_READ_MESSAGE_HISTORY = 1 << 16
P_MENTION_EVERYONE = 1 << 17
P_USE_EXTERNAL_EMOJIS = 1 << 18
P_USE_APPLICATION_COMMANDS = 1 << 31
P_SEND_MESSAGES_IN_THREADS = 1 << 38

#: What @everyone can do in a fresh community guild, roughly.
DEFAULT_EVERYONE_PERMISSIONS = (
    P_VIEW_CHANNEL
    | P_SEND_MESSAGES
    | P_ADD_REACTIONS
    | P_EMBED_LINKS
    | P_ATTACH_FILES
    | P_READ_MESSAGE_HISTORY
    | P_USE_EXTERNAL_EMOJIS
    | P_USE_APPLICATION_COMMANDS
    | P_SEND_MESSAGES_IN_THREADS
)
#: The bot's own role: everything a posting bot needs, not administrator.
DEFAULT_BOT_PERMISSIONS = DEFAULT_EVERYONE_PERMISSIONS | P_MANAGE_MESSAGES | P_MENTION_EVERYONE

_increment = itertools.count()


def snowflake(at: datetime | float | None = None, *, worker: int = 1, process: int = 0) -> int:
    """A Discord snowflake for ``at`` (default: now); successive calls never collide within a process."""
    if at is None:
        ms = int(time.time() * 1000)
    elif isinstance(at, datetime):
        ms = int(at.timestamp() * 1000)
    else:
        ms = int(at * 1000)
    return (
        ((ms - DISCORD_EPOCH_MS) << 22)
        | ((worker & 0x1F) << 17)
        | ((process & 0x1F) << 12)
        | (next(_increment) & 0xFFF)
    )


def _fixed(year: int, n: int) -> int:
    """Deterministic snowflakes for the default world, so tests and logs are reproducible."""
    ms = int(datetime(year, 1, 1, tzinfo=UTC).timestamp() * 1000)
    return ((ms - DISCORD_EPOCH_MS) << 22) | n


DEFAULT_APPLICATION_ID = _fixed(2023, 1)  # also the bot user's id, as for every modern application
DEFAULT_OWNER_ID = _fixed(2019, 2)
DEFAULT_USER_ID = _fixed(2020, 3)  # the human who runs slash commands
DEFAULT_GUILD_ID = _fixed(2021, 4)
DEFAULT_CHANNEL_ID = _fixed(2021, 5)  # #general
DEFAULT_PAPERS_CHANNEL_ID = _fixed(2021, 6)  # #papers
DEFAULT_BOT_ROLE_ID = _fixed(2021, 7)


def shard_for(guild_id: int | None, shard_count: int) -> int:
    """Discord's sharding formula; DMs (no guild) go to shard 0."""
    if guild_id is None or shard_count <= 1:
        return 0
    return (int(guild_id) >> 22) % shard_count


def iso(dt: datetime | None = None) -> str:
    return (dt or datetime.now(UTC)).isoformat()


def token(prefix: str = "aW50ZXJhY3Rpb246") -> str:
    """An opaque interaction token (real ones are ~200 chars of URL-safe base64)."""
    return prefix + secrets.token_urlsafe(96)


# ---------------------------------------------------------------- world specs


@dataclass
class ChannelSpec:
    id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False


@dataclass
class GuildSpec:
    id: int
    name: str
    channels: list[ChannelSpec] = field(default_factory=list)
    owner_id: int = DEFAULT_OWNER_ID
    everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS
    bot_permissions: int = DEFAULT_BOT_PERMISSIONS
    bot_role_id: int = DEFAULT_BOT_ROLE_ID
    preferred_locale: str = "en-US"
    member_count: int = 42
    unavailable: bool = False  # True: listed in READY but no GUILD_CREATE is ever sent (an outage)

    def channel(self, channel_id: int) -> ChannelSpec | None:
        return next((c for c in self.channels if c.id == int(channel_id)), None)


@dataclass
class UserSpec:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None


def default_guilds() -> list[GuildSpec]:
    return [
        GuildSpec(
            id=DEFAULT_GUILD_ID,
            name="Stand-in Guild",
            channels=[
                ChannelSpec(DEFAULT_CHANNEL_ID, "general", position=0),
                ChannelSpec(DEFAULT_PAPERS_CHANNEL_ID, "papers", position=1, topic="Daily papers"),
            ],
        )
    ]


def default_bot_user(application_id: int = DEFAULT_APPLICATION_ID) -> UserSpec:
    return UserSpec(application_id, "papers-bot", global_name="Papers Bot", bot=True)


def default_invoker() -> UserSpec:
    return UserSpec(DEFAULT_USER_ID, "ada", global_name="Ada Lovelace")


# ---------------------------------------------------------------- payload builders


def user(spec: UserSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(spec.id),
        "username": spec.username,
        "discriminator": "0",
        "global_name": spec.global_name,
        "avatar": spec.avatar,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
    }
    if spec.bot:
        data["bot"] = True
    return data


def current_user(spec: UserSpec) -> dict[str, Any]:
    """GET /users/@me for a bot."""
    return {**user(spec), "verified": True, "mfa_enabled": True, "locale": "en-US", "email": None, "bio": ""}


def application(application_id: int, bot: UserSpec, *, owner_id: int = DEFAULT_OWNER_ID) -> dict[str, Any]:
    """GET /oauth2/applications/@me."""
    return {
        "id": str(application_id),
        "name": bot.global_name or bot.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": user(UserSpec(owner_id, "owner")),
        "team": None,
        "flags": 1 << 23 | 1 << 19,  # GATEWAY_MESSAGE_CONTENT_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED
        "interactions_endpoint_url": None,  # discord.py warns (and gets no interactions) if this is set
        "redirect_uris": [],
        "rpc_origins": [],
        "tags": [],
        "install_params": {
            "scopes": ["bot", "applications.commands"],
            "permissions": str(DEFAULT_BOT_PERMISSIONS),
        },
        "integration_types_config": {"0": {}},
        "bot": user(bot),
        "approximate_guild_count": 1,
    }


def role(
    role_id: int, name: str, permissions: int, *, position: int = 0, managed: bool = False
) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": False,
        "flags": 0,
    }


def member(
    spec: UserSpec, *, roles: list[int] | None = None, permissions: int | None = None
) -> dict[str, Any]:
    """A guild member object; ``permissions`` (a bitfield string) is present only in interaction payloads."""
    data: dict[str, Any] = {
        "user": user(spec),
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in roles or []],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def channel(spec: ChannelSpec, guild_id: int | None, *, permissions: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(spec.id),
        "type": spec.type,
        "name": spec.name,
        "position": spec.position,
        "permission_overwrites": [],
        "parent_id": str(spec.parent_id) if spec.parent_id else None,
        "nsfw": spec.nsfw,
        "flags": 0,
    }
    if spec.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
        data.update(topic=spec.topic, last_message_id=None, rate_limit_per_user=0)
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def unavailable_guild(guild_id: int) -> dict[str, Any]:
    return {"id": str(guild_id), "unavailable": True}


def guild_create(spec: GuildSpec, bot: UserSpec) -> dict[str, Any]:
    """A GUILD_CREATE payload as the gateway sends it right after READY (channels without guild_id)."""
    system_channel = next((c.id for c in spec.channels if c.type == GUILD_TEXT), None)
    return {
        "id": str(spec.id),
        "name": spec.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(spec.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": spec.preferred_locale,
        "features": ["COMMUNITY", "NEWS"],
        "application_id": None,
        "system_channel_id": str(system_channel) if system_channel else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "incidents_data": None,
        "roles": [
            role(spec.id, "@everyone", spec.everyone_permissions),
            role(spec.bot_role_id, bot.username, spec.bot_permissions, position=1, managed=True),
        ],
        "emojis": [],
        "stickers": [],
        "soundboard_sounds": [],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "large": False,
        "lazy": True,
        "unavailable": False,
        "member_count": spec.member_count,
        "voice_states": [],
        "members": [member(bot, roles=[spec.bot_role_id])],
        "channels": [channel(c, None) for c in spec.channels],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "embedded_activities": [],
        "activity_instances": [],
        "version": int(time.time() * 1000),
    }


def ready(
    *,
    bot: UserSpec,
    application_id: int,
    guilds: list[GuildSpec],
    session_id: str,
    resume_gateway_url: str,
    shard: list[int] | None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "v": 10,
        "user": {**user(bot), "verified": True, "mfa_enabled": True, "email": None},
        "user_settings": {},
        "guilds": [unavailable_guild(g.id) for g in guilds],
        "presences": [],
        "private_channels": [],
        "relationships": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["us-east"],
        "session_type": "normal",
        "session_id": session_id,
        "resume_gateway_url": resume_gateway_url,
        "auth": {},
        "application": {"id": str(application_id), "flags": 1 << 23 | 1 << 19},
        "_trace": ['["gateway-prd-standin",{"micros":1000}]'],
    }
    if shard is not None:
        data["shard"] = list(shard)
    return data


def message(
    *,
    message_id: int,
    channel_id: int,
    author: UserSpec,
    body: dict[str, Any],
    guild_id: int | None = None,
    webhook_id: int | None = None,
    application_id: int | None = None,
    message_type: int = 0,
    flags: int = 0,
    interaction_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The message object Discord returns for a create (``body`` is the JSON the client sent)."""
    embeds = [{"type": "rich", **e} for e in body.get("embeds") or []]
    data: dict[str, Any] = {
        "id": str(message_id),
        "type": message_type,
        "channel_id": str(channel_id),
        "author": user(author),
        "content": body.get("content") or "",
        "timestamp": iso(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": embeds,
        "reactions": [],
        "pinned": False,
        "flags": int(body.get("flags") or 0) | flags,
        "components": body.get("components") or [],
    }
    if "nonce" in body and body["nonce"] is not None:
        data["nonce"] = body["nonce"]
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    if application_id is not None:
        data["application_id"] = str(application_id)
    if interaction_metadata is not None:
        data["interaction_metadata"] = interaction_metadata
    if body.get("message_reference"):
        data["message_reference"] = {"type": 0, **body["message_reference"], "channel_id": str(channel_id)}
    return data


def application_command(
    command: dict[str, Any], *, command_id: int, application_id: int, guild_id: int | None, version: int
) -> dict[str, Any]:
    """What Discord returns for one synced command (``command`` is what the client PUT/POSTed)."""
    data: dict[str, Any] = {
        "type": CHAT_INPUT,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "nsfw": False,
        "integration_types": [0],
        "contexts": None,
        **command,
        "id": str(command_id),
        "application_id": str(application_id),
        "version": str(version),
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    else:
        data.setdefault("dm_permission", True)
    return data


# ---------------------------------------------------------------- interaction options


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    return STRING


def option(name: str, value: Any, *, type: int | None = None, focused: bool = False) -> dict[str, Any]:
    """A leaf option as it appears in interaction data; the type is inferred from ``value`` unless given.

    Snowflake-typed options (USER, CHANNEL, ROLE, MENTIONABLE) carry the id as a string, as Discord sends them.
    """
    opt_type = type if type is not None else _infer_type(value)
    if opt_type in (USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT):
        value = str(value)
    data: dict[str, Any] = {"name": name, "type": opt_type, "value": value}
    if focused:
        data["focused"] = True
    return data


def subcommand(name: str, *options: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": SUB_COMMAND, "options": list(options)}


def subcommand_group(name: str, *subcommands: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": SUB_COMMAND_GROUP, "options": list(subcommands)}


def interaction(
    *,
    interaction_type: int,
    data: dict[str, Any] | None,
    application_id: int,
    guild: GuildSpec | None,
    channel_id: int | None,
    invoker: UserSpec,
    member_permissions: int | None = None,
    app_permissions: int | None = None,
    locale: str = "en-US",
    interaction_id: int | None = None,
    interaction_token: str | None = None,
) -> dict[str, Any]:
    """A full INTERACTION_CREATE payload (guild context when ``guild`` is given, else a DM)."""
    payload: dict[str, Any] = {
        "id": str(interaction_id or snowflake()),
        "application_id": str(application_id),
        "type": interaction_type,
        "token": interaction_token or token(),
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if data is not None:
        payload["data"] = data
    if guild is not None:
        chan = guild.channel(channel_id) if channel_id is not None else None
        perms = member_permissions if member_permissions is not None else guild.everyone_permissions
        app_perms = app_permissions if app_permissions is not None else guild.bot_permissions
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": ["COMMUNITY", "NEWS"]},
            guild_locale=guild.preferred_locale,
            member=member(invoker, roles=[], permissions=perms),
            app_permissions=str(app_perms),
            authorizing_integration_owners={"0": str(guild.id)},
            context=0,
        )
        if channel_id is not None:
            spec = chan or ChannelSpec(int(channel_id), "unknown")
            payload["channel_id"] = str(channel_id)
            payload["channel"] = channel(spec, guild.id, permissions=app_perms)
    else:
        dm_id = channel_id or snowflake()
        payload.update(
            user=user(invoker),
            app_permissions=str(app_permissions if app_permissions is not None else DEFAULT_BOT_PERMISSIONS),
            authorizing_integration_owners={"1": str(invoker.id)},
            context=1,
            channel_id=str(dm_id),
            channel={
                "id": str(dm_id),
                "type": DM,
                "flags": 0,
                "last_message_id": None,
                "recipients": [user(invoker)],
            },
        )
    return payload


def command_data(
    name: str,
    options: list[dict[str, Any]] | None = None,
    *,
    command_id: int,
    command_type: int = CHAT_INPUT,
    command_guild_id: int | None = None,
    target_id: int | None = None,
    resolved: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``data`` of an APPLICATION_COMMAND / AUTOCOMPLETE interaction.

    ``command_guild_id`` is set only for guild-registered commands (discord.py's CommandTree uses it to look the
    command up among the guild's commands instead of the global ones).
    """
    data: dict[str, Any] = {"id": str(command_id), "name": name, "type": command_type}
    if command_type == CHAT_INPUT:
        data["options"] = list(options or [])
    if command_guild_id is not None:
        data["guild_id"] = str(command_guild_id)
    if target_id is not None:
        data["target_id"] = str(target_id)
    if resolved is not None:
        data["resolved"] = resolved
    return data


def focused_option(options: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The focused leaf option in (possibly nested) interaction options."""
    for opt in options:
        if opt.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            found = focused_option(opt.get("options", []))
            if found is not None:
                return found
        elif opt.get("focused"):
            return opt
    return None


@dataclass
class World:
    """What the stand-in serves: the application, its bot user, the guilds it is in, the accepted token."""

    application_id: int = DEFAULT_APPLICATION_ID
    bot: UserSpec = field(default_factory=default_bot_user)
    guilds: list[GuildSpec] = field(default_factory=default_guilds)
    token: str | None = None  # None: any "Bot <something>" is accepted
    invoker: UserSpec = field(default_factory=default_invoker)

    def guild(self, guild_id: int | str | None) -> GuildSpec | None:
        if guild_id is None:
            return None
        return next((g for g in self.guilds if g.id == int(guild_id)), None)

    def find_channel(self, channel_id: int | str) -> tuple[GuildSpec, ChannelSpec] | None:
        for g in self.guilds:
            c = g.channel(int(channel_id))
            if c is not None:
                return g, c
        return None
