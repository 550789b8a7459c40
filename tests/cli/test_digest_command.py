"""`papers-bot digest`: what a user sees in a terminal, and every error as one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import HF_DAILY_DAYS, HF_DAILY_DIR
from tests.factories import api_item
from tests.fakes.hf import FakeHF, Fault
from tests.processes import PROJECT_ROOT, papers_bot

ITEMS = [
    api_item("2510.00001", title="Fast Diffusion Sampling", upvotes=50, ai_keywords=["diffusion models"]),
    api_item("2510.00002", title="Agents That Plan", upvotes=80),
    api_item("2510.00003", title="Tiny LLMs", upvotes=5),
]


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder so a developer's .env cannot change the outcome."""
    monkeypatch.chdir(tmp_path)
    for name in ("HF_ENDPOINT", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "2025-10-15.json"
    path.write_text(json.dumps(ITEMS))
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_format_is_ranked_and_complete(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["digest", "--from-file", str(saved), "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["date"] == "2025-10-15"
    assert [p["id"] for p in data["papers"]] == ["2510.00002", "2510.00001", "2510.00003"]
    first = data["papers"][0]
    assert set(first) == {"id", "title", "url", "upvotes", "score", "matched_topics"}
    assert first["url"] == "https://huggingface.co/papers/2510.00002"
    assert [p["score"] for p in data["papers"]] == sorted((p["score"] for p in data["papers"]), reverse=True)


def test_topic_filters_and_reports_matches(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["digest", "--from-file", str(saved), "--format", "json", "--topic", "diffusion"], capsys
    )
    assert code == 0
    papers = json.loads(out)["papers"]
    assert [p["id"] for p in papers] == ["2510.00001"]
    assert papers[0]["matched_topics"] == ["diffusion"]


def test_top_limits_the_list(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["digest", "--from-file", str(saved), "--format", "json", "--top", "1"], capsys)
    assert len(json.loads(out)["papers"]) == 1


def test_text_format_is_readable(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["digest", "--from-file", str(saved)], capsys)
    assert code == 0
    assert out.index("Agents That Plan") < out.index("Fast Diffusion Sampling") < out.index("Tiny LLMs")
    assert "2510.00002" in out and "{" not in out


def test_slack_format_passes_block_kit_validation(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from slack_sdk.models.blocks import Block

    _, out, _ = run(["digest", "--from-file", str(saved), "--format", "slack"], capsys)
    messages = json.loads(out)
    assert messages and all(m["text"] for m in messages)
    for message in messages:
        for block in message["blocks"]:
            Block.parse(block).validate_json()


def test_discord_format_allows_no_mentions(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["digest", "--from-file", str(saved), "--format", "discord"], capsys)
    messages = json.loads(out)
    assert messages and all(m["allowed_mentions"] == {"parse": []} for m in messages)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["digest", "--from-file", "missing.json"], "cannot read missing.json"),
        (["digest", "--topic", '""', "--from-file", "x.json"], "bad --topic"),
    ],
)
def test_user_errors_are_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(argv, capsys)
    assert code == 1 and out == ""
    assert err.startswith("papers-bot: error: ") and message in err and err.count("\n") == 1


def test_not_json_and_wrong_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "obj.json").write_text('{"papers": []}')
    assert run(["digest", "--from-file", "bad.json"], capsys)[2].startswith(
        "papers-bot: error: bad.json is not valid JSON"
    )
    assert "must hold a JSON array" in run(["digest", "--from-file", "obj.json"], capsys)[2]


def test_bad_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["digest", "--date", "2025-13-45"])
    assert exit_info.value.code == 2
    assert "is not a date; use YYYY-MM-DD" in capsys.readouterr().err


def test_fetches_latest_day_with_papers_from_the_api(
    fake_hf: FakeHF, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hf.url)
    fake_hf.days["2025-10-15"] = ITEMS
    code, out, _ = run(["digest", "--date", "2025-10-15", "--format", "json"], capsys)
    assert code == 0 and len(json.loads(out)["papers"]) == 3
    assert fake_hf.requests[0]["query"]["date"] == "2025-10-15"


def test_without_date_walks_back_to_a_day_with_papers(
    fake_hf: FakeHF, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    two_days_ago = datetime.now(UTC).date() - timedelta(days=2)
    monkeypatch.setenv("HF_ENDPOINT", fake_hf.url)
    fake_hf.days[two_days_ago.isoformat()] = [api_item("2510.00009", day=two_days_ago)]
    code, out, _ = run(["digest", "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["date"] == two_days_ago.isoformat()
    assert [r["query"]["date"] for r in fake_hf.requests] == [
        (two_days_ago + timedelta(days=d)).isoformat() for d in (2, 1, 0)
    ]


def test_source_down_is_one_clear_line(
    fake_hf: FakeHF, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hf.url)
    monkeypatch.setenv("HF_MAX_RETRIES", "0")
    fake_hf.fail(Fault(503))
    code, _, err = run(["digest", "--date", "2025-10-15"], capsys)
    assert code == 1
    assert "unavailable" in err and "--from-file" in err and "Traceback" not in err


def test_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "not a url")
    code, _, err = run(["digest", "--date", "2025-10-15"], capsys)
    assert code == 1 and "HF_ENDPOINT" in err


@pytest.mark.skipif(not HF_DAILY_DAYS, reason="../shared/hf-daily is not present")
def test_console_script_on_a_real_day() -> None:
    """The installed entry point, as a user runs it: a readable ranked digest, no traceback."""
    result = subprocess.run(
        papers_bot("digest", "--from-file", str(HF_DAILY_DIR / "2025-10-15.json")),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Advancing End-to-End Pixel Space Generative Modeling" in result.stdout
    assert (
        date(2025, 10, 15).strftime("%d %b %Y").lstrip("0") in result.stdout or "2025-10-15" in result.stdout
    )


def test_digest_from_a_file_loads_no_network_nor_settings_machinery(saved: Path) -> None:
    """Start-up is most of `digest --from-file`'s time (bench/core.py digest_2000_topic_s): a digest
    from a file, topic included, imports neither the HTTP client, the settings, Redis, asyncio nor a chat
    SDK (a fresh interpreter, as a user runs it)."""
    heavy = [
        "httpx",
        "pydantic",
        "pydantic_settings",
        "redis",
        "asyncio",
        "slack_sdk",
        "slack_bolt",
        "discord",
    ]
    script = (
        "import sys; from bot.cli import main; "
        f"code = main(['digest', '--from-file', {str(saved)!r}, '--topic', 'diffusion', '--format', 'slack']); "
        f"print(code, sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert result.returncode == 0, result.stderr
    assert "Fast Diffusion Sampling" in result.stdout
    assert result.stderr.strip() == "0 []"


def test_no_command_shows_what_there_is_to_run(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([], capsys)
    assert code == 2
    assert out.startswith("usage: papers-bot")
    for command in ("digest", "doctor", "stop-redis", "slack", "discord"):
        assert f"    {command}" in out
