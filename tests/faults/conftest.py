"""Fault injection: a Redis that can be restarted mid-test, and the figures docs/reliability.md quotes.

`restartable_redis` is a redis-server of the test's own (the suite's shared server must never go
down) on a free loopback port, with `--appendonly yes --appendfsync always` in a tmp `--dir`, so a
restart (SIGTERM or SIGKILL, then the same port and dir) keeps every acknowledged write, as a
production Redis with AOF does. `freeze()`/`thaw()` stop and continue it (SIGSTOP/SIGCONT): the
port still accepts connections and nothing answers, which is what a network partition looks like.

Every test here records what it tried and what happened with `figures.add(...)`; the terminal
summary prints them under "fault-injection figures" (the numbers in docs/reliability.md).

The fixtures of the Slack app (tests/adapters/slack/conftest.py: `slack`, `sender`, ...) and of
the Discord app (tests/adapters/discord/conftest.py: `standin`, `bot`, ...) are imported here, so
the fault tests drive the real apps exactly as their own tests do; they run on the suite's
`settings`, `state`, `fake_hf` and `fake_slack` (tests/conftest.py). The Discord ones include the
autouse `serve_hf_items`, so the fake HF API lists a fixed day (`hf_items`) in every test here.
A module asks for other settings with the `settings_overrides`, `slack_overrides` and
`standin_options` marks (tests/marks.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.store.embedded import RedisUnavailable, _ping_tcp, find_redis_server, free_port
from tests.adapters.discord.conftest import (  # noqa: F401  (fixtures)
    bot,
    hf_items,
    serve_hf_items,
    standin,
    standin_options,
)
from tests.adapters.slack.conftest import (  # noqa: F401  (fixtures)
    papers_today,
    sender,
    slack,
    slack_overrides,
    slack_settings,
)


class RestartableRedis:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self.process = subprocess.Popen(
            [
                find_redis_server(), "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--logfile", str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not _ping_tcp(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.dir / "redis.log").read_text(errors="replace")[-2000:]
                raise RedisUnavailable(f"restartable redis did not start on {self.port}:\n{log}")
            time.sleep(0.01)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: Redis shuts down cleanly (flushes the AOF). SIGKILL: dies at once."""
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(10)
        self.process = None

    def restart(self, sig: int = signal.SIGTERM, down: float = 0.0) -> None:
        self.stop(sig)
        time.sleep(down)
        self.start()
        self.restarts += 1

    def freeze(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None:
            self.thaw()
            self.process.kill()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def restartable_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    data = tmp_path / "redis"
    data.mkdir()
    server = RestartableRedis(data)
    server.start()
    try:
        yield server
    finally:
        server.close()


class Figures:
    """What each fault test tried and saw, printed at the end of the run."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, Any]]] = []

    def add(self, name: str, **values: Any) -> None:
        self.rows.append((name, values))


_FIGURES = Figures()


@pytest.fixture
def figures() -> Figures:
    return _FIGURES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES.rows:
        return
    terminalreporter.section("fault-injection figures")
    for name, values in _FIGURES.rows:
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        terminalreporter.write_line(f"{name}: {shown}")
