"""The help text: one source for `/papers help` on both platforms, spelled for each."""

from __future__ import annotations

from bot.commands.language import Help
from bot.commands.replies import Notice, quote
from bot.commands.syntax import spell

# Each line: a template and the commands (in the text language) that fill it, spelled per platform.
LINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("{} the latest day's top 5 · {} · {} · {} · {}", ("", "top 10", "2025-10-15", "yesterday", "week")),
    ("{} or just {}: papers about a topic", ("search QUERY", "diffusion -video")),
    (
        "{} this channel gets the daily post · {} adds a topic",
        ("subscribe", 'subscribe "efficient inference"'),
    ),
    ("{} or {} · {}", ("unsubscribe TOPIC", "unsubscribe all", "topics")),
    ("{} · {} · {} · {}", ("time 09:00 Europe/Berlin", "count 5", "pause", "resume")),
    ("{} this channel's settings · {} why a paper ranks where it does", ("status", "why 2510.12586")),
)
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
