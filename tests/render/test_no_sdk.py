"""bot.render builds plain dicts: importing and running it must not pull in a chat SDK."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from datetime import date
from bot.digest import Digest
from bot.render import render_discord, render_slack, render_text
d = Digest(day=date(2025, 10, 15), entries=(), total=0)
render_slack(d); render_discord(d); render_text(d)
bad = sorted(m for m in sys.modules if m.split(".")[0] in {"slack_sdk", "slack_bolt", "discord"})
print(",".join(bad))
"""


def test_renderers_import_no_chat_sdk() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
