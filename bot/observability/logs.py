"""Logging setup: readable lines by default, one JSON object per line with LOG_FORMAT=json.

Every handler gets a filter that replaces the configured secrets (tokens, signing secret) with
`***`, wherever they appear: in a message, its arguments or an exception's text, and cuts a message
or traceback longer than MAX_LINE characters (a line that held a 1 MB request body, say), so a line
costs the same to mask and to write however long it was (bench/abuse.py measures it).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import SecretStr

from bot.settings import Settings

_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
MAX_LINE = 8000  # characters kept of one message, and of one traceback


class RedactSecrets(logging.Filter):
    """Masks secrets in the fully formatted record before any handler writes it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def _mask(self, text: str) -> str:
        if len(text) > MAX_LINE:
            text = self._cut(text)
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def _cut(self, text: str) -> str:
        """The first MAX_LINE characters, cut earlier where a secret straddles the cut (so no part
        of a secret is left unmasked), and how much was left out."""
        end = MAX_LINE
        moved = True
        while moved:
            moved = False
            for secret in self._secrets:
                at = text.find(secret, max(0, end - len(secret) + 1), end + len(secret) - 1)
                if at != -1 and at < end:
                    end, moved = at, True
        return f"{text[:end]} ... [{len(text) - end} characters cut]"

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            record.msg = self._mask(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self._mask(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", ...extra}`: what log pipelines index without parsing."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


def secrets_of(settings: Settings) -> list[str]:
    """The values of every SecretStr setting that is set."""
    values = (getattr(settings, name) for name in type(settings).model_fields)
    return [v.get_secret_value() for v in values if isinstance(v, SecretStr) and v.get_secret_value()]


def configure_logging(settings: Settings, stream=None) -> logging.Handler:
    """Install one root handler (replacing earlier ones) and return it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    return handler
