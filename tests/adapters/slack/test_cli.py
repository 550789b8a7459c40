"""`papers-bot slack`: one clear line for every setting a user can get wrong, and a real run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from bot.cli import main
from bot.store.embedded import free_port
from tests.fakes.hf import FakeHF
from tests.fakes.slack_api import FakeSlack, Reply
from tests.fakes.slack_requests import SECRET, signature_headers
from tests.processes import papers_bot

SLACK_VARS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "SLACK_MANAGERS",
    "PORT",
)


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_root_logging: None) -> None:
    """Run from an empty folder so a developer's .env or shell cannot change the outcome, and give
    back the root logger that `papers-bot slack` configures (its handler writes to this test's stderr)."""
    monkeypatch.chdir(tmp_path)
    for name in SLACK_VARS:
        monkeypatch.delenv(name, raising=False)


def error_line(
    capsys: pytest.CaptureFixture[str], *env: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> str:
    for name, value in env:
        monkeypatch.setenv(name, value)
    assert main(["slack"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_missing_bot_token(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    err = error_line(capsys, monkeypatch=monkeypatch)
    assert err.startswith("papers-bot: error: SLACK_BOT_TOKEN is not set") and "xoxb-" in err


def test_missing_signing_secret_in_http_mode(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = error_line(capsys, ("SLACK_BOT_TOKEN", "xoxb-1"), monkeypatch=monkeypatch)
    assert "SLACK_SIGNING_SECRET is not set" in err and "SLACK_APP_TOKEN" in err


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            (("SLACK_BOT_TOKEN", "xoxb-1"), ("SLACK_APP_TOKEN", "xoxb-2")),
            "SLACK_APP_TOKEN must be an app-level token",
        ),
        ((("SLACK_BOT_TOKEN", "xapp-1"),), "SLACK_BOT_TOKEN holds an app-level token"),
        ((("SLACK_BOT_TOKEN", "xoxb-1"), ("SLACK_MANAGERS", "everyone")), "SLACK_MANAGERS"),
        ((("SLACK_BOT_TOKEN", "xoxb-1"), ("SLACK_API_URL", "slack.com/api")), "SLACK_API_URL"),
        ((("SLACK_BOT_TOKEN", "xoxb-1"), ("PORT", "99999")), "PORT"),
    ],
    ids=["bot-token-as-app-token", "app-token-as-bot-token", "managers", "api-url", "port"],
)
def test_wrong_settings_are_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: tuple, expected: str
) -> None:
    assert expected in error_line(capsys, *env, monkeypatch=monkeypatch)


def test_a_rejected_bot_token_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, redis_url: str, key_prefix: str
) -> None:
    with FakeSlack() as fake:
        fake.fail("auth.test", Reply.error("invalid_auth"))
        err = error_line(
            capsys,
            ("SLACK_BOT_TOKEN", "xoxb-revoked"),
            ("SLACK_SIGNING_SECRET", SECRET),
            ("SLACK_API_URL", fake.api_url),
            ("REDIS_URL", redis_url),
            ("REDIS_KEY_PREFIX", key_prefix),
            monkeypatch=monkeypatch,
        )
    assert "SLACK_BOT_TOKEN was rejected by Slack (invalid_auth)" in err


def process_env(
    fake: FakeSlack, fake_hf: FakeHF, redis_url: str, key_prefix: str, port: int
) -> dict[str, str]:
    """The environment of a `papers-bot slack` process in HTTP mode against the local fakes."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": key_prefix,
        "HF_ENDPOINT": fake_hf.url,
        "PORT": str(port),
    }
    env.pop("SLACK_APP_TOKEN", None)
    return env


def test_papers_bot_slack_runs_answers_and_stops_on_sigterm(
    redis_url: str, key_prefix: str, fake_hf: FakeHF, tmp_path: Path
) -> None:
    port = free_port()
    with FakeSlack() as fake:
        env = process_env(fake, fake_hf, redis_url, key_prefix, port)
        process = subprocess.Popen(
            papers_bot("slack", "run", "--host", "127.0.0.1"),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert f"http mode, http://127.0.0.1:{port}" in line, (
                line,
                process.stderr.read() if process.poll() else "",
            )
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                health = json.load(response)
            assert health["status"] == "ok" and health["mode"] == "http" and "daily" in health
            body = f"command=%2Fpapers&text=help&team_id=T1&channel_id=C1&user_id=U1&trigger_id=t1&response_url={fake.response_url('cli')}"
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/slack/events",
                data=body.encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"} | signature_headers(body),
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200
            deadline = time.monotonic() + 5
            while not fake.responses_to("cli") and time.monotonic() < deadline:
                time.sleep(0.02)
            assert fake.responses_to("cli") and "/papers" in fake.responses_to("cli")[0]["text"]
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("stdout", ["full", "closed-pipe", "closed"])
def test_a_start_line_that_cannot_be_written_never_stops_the_server(
    stdout: str, redis_url: str, key_prefix: str, fake_hf: FakeHF, tmp_path: Path
) -> None:
    """`papers-bot slack > /dev/full`, `| (exit)` or `>&-`: the start line is for people; the app
    serves on regardless and stops cleanly on SIGTERM."""
    if stdout == "full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    port = free_port()
    with FakeSlack() as fake:
        env = process_env(fake, fake_hf, redis_url, key_prefix, port)
        command = papers_bot("slack", "run", "--host", "127.0.0.1")
        if stdout == "closed":
            command = ["sh", "-c", 'exec "$@" >&-', "sh", *command]
        with open("/dev/full" if stdout == "full" else os.devnull, "w") as sink:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE if stdout == "closed-pipe" else sink,
                stderr=subprocess.PIPE,
                text=True,
            )
        try:
            if process.stdout is not None:
                process.stdout.close()  # the reader is gone before the start line is written
            health = None
            deadline = time.monotonic() + 20
            while health is None and time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                        health = json.load(response)
                except OSError:
                    time.sleep(0.1)
            time.sleep(0.5)  # past the moment the start line is written
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert health is not None and health["status"] == "ok"
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
            assert process.stderr is not None and "Traceback" not in process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
