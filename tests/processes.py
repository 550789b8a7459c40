"""papers-bot as a user runs it: a separate process of this interpreter, `python -m bot.cli ARGS`.

Used by the CLI tests (tests/cli) and the adapters' process tests; each builds the environment it
needs (a clean one, or the local fakes' URLs) itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # on PYTHONPATH, so `bot` imports from any cwd


def papers_bot(*args: str) -> list[str]:
    """The argv that runs `papers-bot ARGS` (the console script's entry point) in a new process."""
    return [sys.executable, "-m", "bot.cli", *args]
