"""The help text: one source for `/papers help` on both platforms."""

from __future__ import annotations

from bot.commands.language import Help
from bot.commands.replies import Notice, quote

COMMANDS = (
    "`/papers` the latest day's top 5 · `/papers top 10` · `/papers 2025-10-15` · `/papers yesterday` · `/papers week`",
    "`/papers search QUERY` or just `/papers diffusion -video`: papers about a topic",
    '`/papers subscribe` this channel gets the daily post · `/papers subscribe "efficient inference"` adds a topic',
    "`/papers unsubscribe TOPIC` or `/papers unsubscribe all` · `/papers topics`",
    "`/papers time 09:00 Europe/Berlin` · `/papers count 5` · `/papers pause` · `/papers resume`",
    "`/papers status` this channel's settings · `/papers why 2510.12586` why a paper ranks where it does",
    'Topics: words (all must match), `"exact phrases"`, `-excluded`, `OR` between alternatives.',
)


def help_notice(command: Help) -> Notice:
    """The command list, led by what was wrong and the closest valid command, if any."""
    if command.problem is None:
        return Notice("papers-bot: Hugging Face Daily Papers in this channel", COMMANDS)
    lines = [command.problem]
    if command.suggestion:
        lines.append(f"Did you mean {quote('/papers ' + command.suggestion)}?")
    return Notice("That didn't work", (*lines, *COMMANDS), tone="warning")
