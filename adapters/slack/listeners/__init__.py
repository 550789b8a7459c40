"""Bolt listeners: `/papers` and the buttons of its answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.slack.listeners import actions, commands

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from adapters.slack.context import SlackBot


def register(app: AsyncApp, bot: SlackBot) -> None:
    commands.register(app, bot)
    actions.register(app, bot)
