"""The `/papers` command language and its answers, shared by every chat platform."""

from bot.commands.language import CHANGES_SETTINGS, Command, ShowPapers, parse
from bot.commands.replies import Listing, Notice, Reply
from bot.commands.service import Caller, CommandService

__all__ = [
    "CHANGES_SETTINGS",
    "Caller",
    "Command",
    "CommandService",
    "Listing",
    "Notice",
    "Reply",
    "ShowPapers",
    "parse",
]
