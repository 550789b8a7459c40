"""Per-module, per-class or per-test variations of shared fixtures, asked for by marker.

A shared fixture is defined once (tests/README.md lists where); a test module, class or test that
needs it built differently marks itself instead of redefining it:

    pytestmark = pytest.mark.slack_overrides(slack_managers="admins")

The fixture reads its marker with `marked_kwargs`: the keyword arguments of every such mark on the
test, the module's first and the test's own last, so the nearest mark wins. A value that is
another fixture's is written `FixtureAttr("restartable_redis", "url")` and looked up when the
fixture is built. The markers are registered in pyproject.toml (`--strict-markers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class FixtureAttr:
    """The attribute `attribute` of the fixture `fixture`, for a marker's value."""

    fixture: str
    attribute: str


def marked_kwargs(request: pytest.FixtureRequest, marker: str) -> dict[str, Any]:
    """The keyword arguments of the `marker` marks on the requesting test, nearest last.

    FixtureAttr values are replaced by the fixture's attribute (request.getfixturevalue).
    """
    values: dict[str, Any] = {}
    for mark in reversed(list(request.node.iter_markers(marker))):  # iter_markers: nearest first
        values.update(mark.kwargs)
    return {
        name: getattr(request.getfixturevalue(v.fixture), v.attribute) if isinstance(v, FixtureAttr) else v
        for name, v in values.items()
    }
