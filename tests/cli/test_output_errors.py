"""Output that cannot be written: a reader that goes away, a full disk, a closed stream. Real
processes, real pipes.

Every subcommand that prints (help and version included) exits quietly with 141 (128 + SIGPIPE, as a
shell reports `yes | head -1`) when its reader has gone, and with one line and status 1 when its
output cannot be written otherwise (a full disk, a closed stdout): never a traceback, never
"Exception ignored", never status 0. Lines meant for stderr (progress, error messages) are dropped
when stderr cannot take them: they never stop the output, never go to stdout instead, and never
change the exit status.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path

import pytest

from bot.cli_output import SIGPIPE_STATUS
from tests.factories import api_item
from tests.fakes.hf import FakeHF
from tests.processes import PROJECT_ROOT, papers_bot

pytestmark = pytest.mark.slow  # a real process per case, ~20 s in all

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
def cli_env(tmp_path: Path) -> dict[str, str]:
    """No settings from the developer's environment; nothing reachable."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REDIS_", "HF_", "SLACK_", "DISCORD_")) and k != "PYTHONUNBUFFERED"
    }
    return {
        **clean,
        "PYTHONPATH": str(PROJECT_ROOT),
        "PAPERS_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": "redis://127.0.0.1:1",  # refused at once
        "HF_ENDPOINT": "http://127.0.0.1:1",
        "HF_MAX_RETRIES": "0",
    }


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


# argparse writes these itself (and swallows its own write errors)
HELP_COMMANDS = {
    "help": ["--help"],
    "version": ["--version"],
    "digest-help": ["digest", "--help"],
    "slack-help": ["slack", "--help"],
    "discord-help": ["discord", "--help"],
    "discord-sync-help": ["discord", "sync", "--help"],
}


def every_command(day: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    return {**printing_commands(day), **{name: (argv, {}) for name, argv in HELP_COMMANDS.items()}}


ALL_COMMANDS = [*COMMANDS, *HELP_COMMANDS]


@pytest.mark.parametrize("name", ALL_COMMANDS)
def test_a_reader_that_closed_the_pipe_ends_the_command_quietly(
    name: str, big_day: Path, cli_env: dict[str, str], tmp_path: Path
) -> None:
    argv, extra = every_command(big_day)[name]
    process = subprocess.Popen(
        papers_bot(*argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**cli_env, **extra},
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first byte is written
    stderr = process.stderr.read().decode()
    status = process.wait(timeout=60)
    assert stderr == ""
    assert status == SIGPIPE_STATUS, stderr


def test_head_1_gets_its_line_and_papers_bot_exits_quietly(big_day: Path, cli_env: dict[str, str]) -> None:
    """The issue's pipeline: `papers-bot digest --from-file DAY.json --top 100 --format discord | head -1`."""
    writer = subprocess.Popen(
        papers_bot("digest", "--from-file", str(big_day), "--top", "100", "--format", "discord"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env,
    )
    assert writer.stdout is not None and writer.stderr is not None
    head = subprocess.run(["head", "-1"], stdin=writer.stdout, capture_output=True, timeout=60)
    writer.stdout.close()
    stderr = writer.stderr.read().decode()
    status = writer.wait(timeout=60)
    assert head.stdout == b"[\n"
    assert stderr == "" and status == SIGPIPE_STATUS


@pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize(
    ("name", "unbuffered"),
    # PYTHONUNBUFFERED=1 (as in our Dockerfile) makes a write fail at once instead of at the flush
    [*((name, False) for name in ALL_COMMANDS), ("digest-text", True), ("help", True), ("version", True)],
)
def test_a_full_disk_is_one_line_and_status_1(
    name: str, unbuffered: bool, big_day: Path, cli_env: dict[str, str], tmp_path: Path
) -> None:
    argv, extra = every_command(big_day)[name]
    if unbuffered:
        extra = {**extra, "PYTHONUNBUFFERED": "1"}
    with DEV_FULL.open("w") as full:
        result = subprocess.run(
            papers_bot(*argv),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**cli_env, **extra},
            cwd=tmp_path,
            timeout=60,
        )
    assert_no_trace(result.stderr)
    assert result.returncode == 1
    assert (
        result.stderr.splitlines()[-1] == "papers-bot: error: cannot write to stdout: No space left on device"
    )


def shell(command: list[str], redirect: str) -> list[str]:
    """`command` run by sh with `redirect` (e.g. `>&-`, the way a script closes stdout) applied."""
    return ["sh", "-c", f'exec "$@" {redirect}', "sh", *command]


@pytest.mark.parametrize("name", ALL_COMMANDS)
def test_a_closed_stdout_is_an_error_like_echo_makes_it(
    name: str, big_day: Path, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """`papers-bot ... >&-`: Python starts with sys.stdout = None, where print() writes nothing and
    says nothing. `echo x >&-` reports "Bad file descriptor" and status 1; so do we."""
    argv, extra = every_command(big_day)[name]
    result = subprocess.run(
        shell(papers_bot(*argv), ">&-"),
        capture_output=True,
        text=True,
        env={**cli_env, **extra},
        cwd=tmp_path,
        timeout=60,
    )
    assert_no_trace(result.stderr)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "papers-bot: error: cannot write to stdout: Bad file descriptor"


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["digest", "--from-file", "/nonexistent/day.json"], 1),  # our own error line
        (["digest", "--top", "0"], 2),  # argparse's usage error
        (["frobnicate"], 2),
    ],
    ids=["error", "usage-error", "unknown-command"],
)
@pytest.mark.parametrize("redirect", ["2>&-", "2>/dev/full"])
def test_an_error_line_that_cannot_be_written_is_dropped_and_the_status_kept(
    argv: list[str], status: int, redirect: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """With stderr closed (sys.stderr = None) print() would fall back to stdout: the message must
    not land in the output a script reads; and the error's status stays."""
    result = subprocess.run(
        shell(papers_bot(*argv), redirect), capture_output=True, env=cli_env, cwd=tmp_path, timeout=60
    )
    assert result.stdout == b""
    assert result.returncode == status


@pytest.mark.parametrize(
    ("argv", "status"),
    [(["digest", "--from-file", "/nonexistent/day.json"], 1), (["digest", "--top", "0"], 2)],
    ids=["error", "usage-error"],
)
def test_an_error_piped_to_a_reader_that_went_away_keeps_its_status(
    argv: list[str], status: int, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """`papers-bot digest --from-file /nonexistent 2>&1 | true`: the failure is the error, not the
    closed pipe (141 would say "the reader had enough")."""
    process = subprocess.Popen(
        papers_bot(*argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=cli_env, cwd=tmp_path
    )
    assert process.stdout is not None
    process.stdout.close()
    assert process.wait(timeout=60) == status


def read_all(fd: int) -> bytes:
    """Everything written to a pty until its last writer closes it (Linux then raises EIO)."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("stderr", ["full", "closed"])
def test_progress_that_cannot_be_written_never_stops_the_digest(
    stderr: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """`papers-bot digest --date D 2>/dev/full` in a terminal: the "fetching ..." progress lines go to
    stderr and fail; the digest still reaches the terminal and the exit status is 0."""
    with FakeHF() as hf:
        hf.days["2025-10-15"] = [api_item(f"2510.{i:05d}", title=f"Paper {i}") for i in range(1, 4)]
        master, terminal = pty.openpty()  # stdout is a terminal: progress is shown
        try:
            with DEV_FULL.open("w") as full:
                process = subprocess.Popen(
                    papers_bot("digest", "--date", "2025-10-15"),
                    stdout=terminal,
                    stderr=full if stderr == "full" else subprocess.DEVNULL,
                    env={**cli_env, "HF_ENDPOINT": hf.url},
                    cwd=tmp_path,
                    # closed: fd 2 shut before papers-bot starts (sys.stderr is None)
                    preexec_fn=(lambda: os.close(2)) if stderr == "closed" else None,
                )
            os.close(terminal)
            shown = read_all(master).decode()
            status = process.wait(timeout=60)
        finally:
            os.close(master)
    assert status == 0, shown
    assert "Paper 1" in shown and "Paper 3" in shown
    assert "fetching" not in shown and "Traceback" not in shown
