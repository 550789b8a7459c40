"""How a command is typed on each platform, so help and hints show what the user can type there.

Answers name commands in the shared text language (`top 10`, `time 09:00 Europe/Berlin`). Slack
has one text field after `/papers`, so that is what a Slack user types. Discord has subcommands
with named options, so the same command is `/papers top count:10` or
`/papers time time:09:00 timezone:Europe/Berlin` there. `spell` writes one for the platform that
asked, from the Discord spelling of each subcommand in `bot.commands.language.SUBCOMMANDS` (a test
checks every spelling against adapters/discord/commands.py).
"""

from __future__ import annotations

from bot.commands.language import subcommand_of
from bot.platforms import platform as platform_named


def spell(text: str, platform: str) -> str:
    """`text` (a command of the text language, without `/papers`) as typed on `platform`."""
    text = " ".join(text.split())
    if not platform_named(platform).named_options:
        return f"/papers {text}".rstrip()
    head, _, rest = text.partition(" ")
    if not head:
        return "/papers today"
    subcommand = subcommand_of(head)
    if subcommand is None:
        return f"/papers today topic:{text}"  # bare words are a topic query
    options = subcommand.discord_options
    values = [head] if subcommand.discord_from_head else _split(rest, len(options))
    typed = [
        f"{option.name}:{value or option.placeholder}"
        for option, value in zip(options, values, strict=False)
        if value or option.placeholder
    ]
    return " ".join([f"/papers {subcommand.discord}", *typed])


def _split(rest: str, count: int) -> list[str]:
    """`rest` for `count` options: one word for each but the last, the rest of the text for the last."""
    if count == 0:
        return []
    return rest.split(" ", count - 1) if rest else [""] * count
