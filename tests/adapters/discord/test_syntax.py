"""Every Discord spelling in help and hints names a real `/papers` subcommand and its options."""

from __future__ import annotations

import re

import pytest
from discord import app_commands

from adapters.discord.commands import PapersCommands
from bot.commands.help import LINES
from bot.commands.syntax import spell

SUGGESTIONS = ["top 10", "search diffusion", "unsubscribe all", "time 09:00 Europe/Berlin", "count 5",
               "why 2510.12586", "subscribe diffusion", "topics", "status", ""]  # fmt: skip
EXAMPLES = sorted({c for _, commands in LINES for c in commands} | set(SUGGESTIONS))


@pytest.mark.parametrize("text", EXAMPLES)
def test_spelling_matches_the_registered_command(text: str) -> None:
    group = PapersCommands(None, None)
    words = spell(text, "discord").split(" ")
    assert words[0] == f"/{group.name}"
    subcommand = group.get_command(words[1])
    assert isinstance(subcommand, app_commands.Command), words
    options = {p.name: p for p in subcommand.parameters}
    named = [w.partition(":")[0] for w in words[2:] if re.match(r"^[a-z]+:", w)]
    assert set(named) <= set(options) and len(named) == len(set(named)), (words, list(options))
    if len(words) > 2:  # a spelled-out call, not just the name of a command: it must be complete
        assert {name for name, p in options.items() if p.required} <= set(named), words
