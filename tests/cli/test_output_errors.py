"""Output that cannot be written: a reader that goes away, a full disk. Real processes, real pipes.

Every subcommand that prints exits quietly with 141 (128 + SIGPIPE, as a shell reports `yes | head
-1`) when its reader has gone, and with one line and status 1 when the disk is full: never a
traceback, never "Exception ignored".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli_output import SIGPIPE_STATUS
from tests.factories import api_item

pytestmark = pytest.mark.slow  # a real process per case, ~20 s in all

ROOT = Path(__file__).resolve().parents[2]
DEV_FULL = Path("/dev/full")


@pytest.fixture
def big_day(tmp_path: Path) -> Path:
    """150 papers with long abstracts: `--top 100` prints far more than a pipe holds (64 KiB)."""
    abstract = "We study efficient inference for diffusion models. " * 30
    items = [
        api_item(f"2510.{i:05d}", title=f"Paper {i} on diffusion", abstract=abstract, upvotes=i)
        for i in range(1, 151)
    ]
    path = tmp_path / "2025-10-15.json"
    path.write_text(json.dumps(items))
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No settings from the developer's environment; nothing reachable."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "HF_", "SLACK_", "DISCORD_"))}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "PAPERS_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": "redis://127.0.0.1:1",  # refused at once
        "HF_ENDPOINT": "http://127.0.0.1:1",
        "HF_MAX_RETRIES": "0",
    }


def papers_bot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


def printing_commands(day: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Every subcommand that prints to stdout, with what it needs to print without a network."""
    digest = ["digest", "--from-file", str(day), "--top", "100"]
    return {
        "digest-text": (digest, {}),
        "digest-json": ([*digest, "--format", "json"], {}),
        "digest-slack": ([*digest, "--format", "slack"], {}),
        "digest-discord": ([*digest, "--format", "discord"], {}),
        "doctor": (["doctor"], {}),
        "stop-redis": (["stop-redis"], {"REDIS_URL": ""}),
        "discord-invite-url": (["discord", "invite-url"], {"DISCORD_APPLICATION_ID": "123456789012345678"}),
    }


COMMANDS = list(printing_commands(Path("x")))


def assert_no_trace(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


@pytest.mark.parametrize("name", [*COMMANDS, "help", "digest-help", "slack-help"])
def test_a_reader_that_closed_the_pipe_ends_the_command_quietly(
    name: str, big_day: Path, env: dict[str, str], tmp_path: Path
) -> None:
    argv, extra = {
        **printing_commands(big_day),
        "help": (["--help"], {}),
        "digest-help": (["digest", "--help"], {}),
        "slack-help": (["slack", "--help"], {}),
    }[name]
    process = subprocess.Popen(
        papers_bot(*argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**env, **extra}, cwd=tmp_path
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first byte is written
    stderr = process.stderr.read().decode()
    status = process.wait(timeout=60)
    assert stderr == ""
    # argparse swallows its own write errors (--help), so those end as they would have
    assert status == (0 if name.endswith("help") else SIGPIPE_STATUS), stderr


def test_head_1_gets_its_line_and_papers_bot_exits_quietly(big_day: Path, env: dict[str, str]) -> None:
    """The issue's pipeline: `papers-bot digest --from-file DAY.json --top 100 --format discord | head -1`."""
    writer = subprocess.Popen(
        papers_bot("digest", "--from-file", str(big_day), "--top", "100", "--format", "discord"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert writer.stdout is not None and writer.stderr is not None
    head = subprocess.run(["head", "-1"], stdin=writer.stdout, capture_output=True, timeout=60)
    writer.stdout.close()
    stderr = writer.stderr.read().decode()
    status = writer.wait(timeout=60)
    assert head.stdout == b"[\n"
    assert stderr == "" and status == SIGPIPE_STATUS


@pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("name", COMMANDS)
def test_a_full_disk_is_one_line_and_status_1(
    name: str, big_day: Path, env: dict[str, str], tmp_path: Path
) -> None:
    argv, extra = printing_commands(big_day)[name]
    with DEV_FULL.open("w") as full:
        result = subprocess.run(
            papers_bot(*argv),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**env, **extra},
            cwd=tmp_path,
            timeout=60,
        )
    assert_no_trace(result.stderr)
    assert result.returncode == 1
    assert (
        result.stderr.splitlines()[-1] == "papers-bot: error: cannot write to stdout: No space left on device"
    )


def test_an_error_message_to_a_closed_stderr_ends_quietly(env: dict[str, str], tmp_path: Path) -> None:
    process = subprocess.Popen(
        papers_bot("digest", "--from-file", str(tmp_path / "missing.json")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stderr.close()
    stdout = process.stdout.read()
    assert process.wait(timeout=60) == SIGPIPE_STATUS and stdout == b""
