"""The help text: one source for `/papers help` on both platforms, spelled for each."""

from __future__ import annotations

from bot.commands.language import SUBCOMMANDS, Help
from bot.commands.replies import Notice, quote
from bot.commands.syntax import spell


def _lines() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The help fragments of SUBCOMMANDS, grouped by their help line and joined with " · "."""
    grouped: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
    for subcommand in SUBCOMMANDS:
        if subcommand.help is not None:
            grouped.setdefault(subcommand.help_line, []).append(subcommand.help)
    return tuple(
        (" · ".join(template for template, _ in parts), tuple(c for _, commands in parts for c in commands))
        for _, parts in sorted(grouped.items())
    )


# Each line: a template and the commands (in the text language) that fill it, spelled per platform.
LINES: tuple[tuple[str, tuple[str, ...]], ...] = _lines()
TOPIC_LANGUAGE = 'Topics: words (all must match), `"exact phrases"`, `-excluded`, `OR` between alternatives.'


def command_lines(platform: str) -> tuple[str, ...]:
    """What papers-bot can do, as typed on `platform`."""
    spelled = (
        template.format(*(f"`{spell(command, platform)}`" for command in commands))
        for template, commands in LINES
    )
    return (*spelled, TOPIC_LANGUAGE)


def help_notice(command: Help, platform: str) -> Notice:
    """The command list, led by what was wrong and the closest valid command, if any."""
    lines = command_lines(platform)
    if command.problem is None:
        return Notice("papers-bot: Hugging Face Daily Papers in this channel", lines)
    problem = [command.problem]
    if command.suggestion:
        problem.append(f"Did you mean {quote(spell(command.suggestion, platform))}?")
    return Notice("That didn't work", (*problem, *lines), tone="warning")
