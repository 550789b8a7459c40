"""The chat platforms papers-bot speaks, in one registry.

The core names no platform anywhere else: the CLI (`papers-bot NAME`, `digest --format NAME`),
`papers-bot doctor`, refusals and the spelling of commands in answers read it from here. A new platform
is one entry in `PLATFORMS` plus its package under `adapters/` (what that provides:
adapters/README.md). Adapters are imported by name, only when needed: the core never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.digest import Digest
from bot.render import render_discord, render_slack


@dataclass(frozen=True, slots=True)
class Platform:
    """One chat platform.

    `name` is its key everywhere (`ChannelRef.platform`, `papers-bot NAME`, `--format NAME`);
    `package` is its adapter (`{package}.cli.main(argv) -> int`, `{package}.doctor.checks(settings)`);
    `render` turns a digest into its message payloads; `manager` says what a person needs to change
    a channel's daily post; `named_options` is True where `/papers` takes subcommands with named
    options (Discord) rather than one line of text (Slack).
    """

    name: str
    title: str
    package: str
    render: Callable[[Digest], list[dict[str, Any]]]
    manager: str
    named_options: bool = False

    @property
    def cli_module(self) -> str:
        return f"{self.package}.cli"

    @property
    def doctor_module(self) -> str:
        return f"{self.package}.doctor"


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform("slack", "Slack", "adapters.slack", render_slack, "to be a workspace admin or owner"),
        Platform(
            "discord", "Discord", "adapters.discord", render_discord, "Manage Channels permission", True
        ),
    )
}

# A platform the registry does not know (e.g. a test's stand-in) is answered in the text language.
_TEXT_ONLY = Platform("other", "Other", "", render_slack, "to be allowed to manage this channel")


def platform(name: str) -> Platform:
    """The registered platform called `name`, or a text-language stand-in for an unknown name."""
    return PLATFORMS.get(name, _TEXT_ONLY)
