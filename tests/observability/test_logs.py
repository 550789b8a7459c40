"""Logs: JSON when asked, and no configured secret ever written."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.observability.logs import configure_logging
from bot.settings import load_settings

TOKEN = "xoxb-1234567890-secret-token"


def test_json_lines_carry_extra_fields(restore_root_logging) -> None:
    stream = io.StringIO()
    configure_logging(load_settings(None, log_format="json"), stream)
    logging.getLogger("papers.test").info("daily pass", extra={"platform": "slack", "posted": 3})
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "daily pass" and entry["level"] == "info" and entry["logger"] == "papers.test"
    assert (entry["platform"], entry["posted"]) == ("slack", 3)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_are_masked_in_messages_args_and_tracebacks(restore_root_logging, log_format: str) -> None:
    stream = io.StringIO()
    settings = load_settings(None, log_format=log_format, hf_token=TOKEN)
    configure_logging(settings, stream)
    log = logging.getLogger("papers.test")
    log.warning("calling with %s", TOKEN)
    log.error(f"direct {TOKEN}")
    try:
        raise RuntimeError(f"auth failed for {TOKEN}")
    except RuntimeError:
        log.exception("boom")
    written = stream.getvalue()
    assert TOKEN not in written
    assert written.count("***") >= 3 and "RuntimeError" in written


def test_level_is_respected(restore_root_logging) -> None:
    stream = io.StringIO()
    configure_logging(load_settings(None, log_level="warning"), stream)
    logging.getLogger("papers.test").info("quiet")
    logging.getLogger("papers.test").warning("loud")
    assert "quiet" not in stream.getvalue() and "loud" in stream.getvalue()
