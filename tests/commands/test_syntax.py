"""Commands named in answers are spelled so the user can type them on their platform."""

from __future__ import annotations

import pytest

from bot.commands.help import LINES, command_lines
from bot.commands.language import Help, parse
from bot.commands.syntax import spell

EXAMPLES = sorted({command for _, commands in LINES for command in commands} | {"subscribe diffusion"})


@pytest.mark.parametrize("text", EXAMPLES)
def test_slack_spelling_is_the_text_language(text: str) -> None:
    spelled = spell(text, "slack")
    assert spelled.startswith("/papers")
    assert parse(spelled.removeprefix("/papers")) == parse(text)
    if "QUERY" not in text and "TOPIC" not in text:
        assert not isinstance(parse(text), Help), text  # help never shows a command that fails


@pytest.mark.parametrize(
    ("text", "discord"),
    [
        ("", "/papers today"),
        ("top 10", "/papers top count:10"),
        ("2025-10-15", "/papers date day:2025-10-15"),
        ("yesterday", "/papers date day:yesterday"),
        ("week diffusion", "/papers week topic:diffusion"),
        ("diffusion -video", "/papers today topic:diffusion -video"),
        ("unsubscribe all", "/papers unsubscribe topic:all"),
        ("time 09:00 Europe/Berlin", "/papers time time:09:00 timezone:Europe/Berlin"),
        ("time", "/papers time time:HH:MM"),
        ("why 2510.12586", "/papers why paper:2510.12586"),
        ("status", "/papers status"),
    ],
)
def test_discord_spelling_uses_subcommands_and_named_options(text: str, discord: str) -> None:
    assert spell(text, "discord") == discord


def test_help_lists_the_same_commands_on_both_platforms() -> None:
    slack, discord = command_lines("slack"), command_lines("discord")
    assert len(slack) == len(discord)
    assert "`/papers top 10`" in slack[0] and "`/papers top count:10`" in discord[0]
    assert not any("/papers top 10" in line for line in discord)
