"""Renderers: a Digest as Slack Block Kit payloads, Discord message payloads or terminal text.

Plain JSON-ready dicts only; nothing here imports a chat SDK.
"""

from bot.render.discord import render_discord
from bot.render.slack import render_slack
from bot.render.terminal import render_text

__all__ = ["render_discord", "render_slack", "render_text"]
