"""Discord checks for `papers-bot doctor`: log in with DISCORD_TOKEN (no gateway connection)."""

from __future__ import annotations

import aiohttp
import discord

from adapters.discord.app import PapersBot, point_discord_py
from bot.doctor import Check
from bot.settings import Settings


async def checks(settings: Settings) -> list[Check]:
    if settings.discord_token is None:
        return [Check("Discord", None, "DISCORD_TOKEN is not set, so the Discord app is not configured")]
    point_discord_py(settings.discord_api_url, settings.discord_gateway_url)
    try:
        async with PapersBot(None) as client:
            await client.login(settings.discord_token.get_secret_value())
            user, app_id = client.user, client.application_id
    except discord.LoginFailure:
        return [
            Check(
                "Discord bot token",
                False,
                "Discord refused DISCORD_TOKEN (401)",
                "reset the token in the Developer Portal > Bot and copy it again",
            )
        ]
    except (aiohttp.ClientError, discord.HTTPException, OSError) as exc:
        return [
            Check(
                "Discord bot token",
                False,
                f"cannot reach {settings.discord_api_url}: {type(exc).__name__}",
                "check the network or DISCORD_API_URL",
            )
        ]
    return [Check("Discord bot token", True, f"logged in as {user} (application {app_id})")]
