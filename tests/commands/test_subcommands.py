"""The subcommand table is complete: every subcommand is parsed, answered, helped and on Discord."""

from __future__ import annotations

from discord import app_commands

from adapters.discord.commands import PapersCommands
from bot.commands.help import LINES
from bot.commands.language import SUBCOMMANDS, parse
from bot.commands.service import HANDLERS


def test_every_subcommand_has_a_handler() -> None:
    assert {s.command for s in SUBCOMMANDS} <= set(HANDLERS)


def test_every_subcommand_is_a_discord_subcommand_with_its_options() -> None:
    group = PapersCommands(None, None)
    for spec in SUBCOMMANDS:
        command = group.get_command(spec.discord)
        assert isinstance(command, app_commands.Command), spec.discord
        assert command.description == spec.discord_description
        assert {o.name for o in spec.discord_options} <= {p.name for p in command.parameters}


def test_every_word_starts_its_subcommand() -> None:
    for spec in SUBCOMMANDS:
        for word in (*spec.words, *spec.aliases):
            assert type(parse(word)) in (spec.command, parse("help").__class__), word


def test_help_shows_every_subcommand_but_help() -> None:
    shown = {type(parse(example)) for _, examples in LINES for example in examples}
    assert {s.command for s in SUBCOMMANDS if s.help is not None} <= shown
