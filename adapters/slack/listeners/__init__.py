"""Bolt listeners: `/papers`, the buttons of its answers, and the 👍/👎 under each paper."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.slack.listeners import actions, commands, votes

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from adapters.slack.context import SlackBot


def register(app: AsyncApp, bot: SlackBot) -> None:
    commands.register(app, bot)
    actions.register(app, bot)
    votes.register(app, bot)
