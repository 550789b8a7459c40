"""Renderer tests start from empty memos, so a test never sees another test's rendering."""

from __future__ import annotations

import pytest

from bot.render import slack, view


@pytest.fixture(autouse=True)
def _fresh_memos() -> None:
    view.paper_views.clear()
    view._topic_lines.clear()
    slack._bodies.clear()
