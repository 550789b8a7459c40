"""How a command is typed on each platform, so help and hints show what the user can type there.

Answers name commands in the shared text language (`top 10`, `time 09:00 Europe/Berlin`). Slack
has one text field after `/papers`, so that is what a Slack user types. Discord has subcommands
with named options, so the same command is `/papers top count:10` or
`/papers time time:09:00 timezone:Europe/Berlin` there. `spell` writes one for the platform that
asked; the Discord names must match adapters/discord/commands.py (a test checks every spelling).
"""

from __future__ import annotations

import re

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# text-language head -> (Discord subcommand, the option that takes the rest of the text)
_DISCORD_OPTION = {
    "today": ("today", "topic"),
    "top": ("top", "count"),
    "week": ("week", "topic"),
    "search": ("search", "query"),
    "subscribe": ("subscribe", "topic"),
    "unsubscribe": ("unsubscribe", "topic"),
    "count": ("count", "count"),
    "why": ("why", "paper"),
}
_DISCORD_BARE = {"topics", "pause", "resume", "status", "help"}


def spell(text: str, platform: str) -> str:
    """`text` (a command of the text language, without `/papers`) as typed on `platform`."""
    text = " ".join(text.split())
    if platform != "discord":
        return f"/papers {text}".rstrip()
    head, _, rest = text.partition(" ")
    if not head:
        return "/papers today"
    if head in _DISCORD_BARE:
        return f"/papers {head}"
    if head == "time":
        clock, _, zone = rest.partition(" ")
        options = [f"time:{clock or 'HH:MM'}"] + ([f"timezone:{zone}"] if zone else [])
        return " ".join(["/papers time", *options])
    if head in _DISCORD_OPTION:
        subcommand, option = _DISCORD_OPTION[head]
        return f"/papers {subcommand} {option}:{rest}" if rest else f"/papers {subcommand}"
    if _DATE.match(head) or head == "yesterday":
        return f"/papers date day:{head}"
    return f"/papers today topic:{text}"  # bare words are a topic query
