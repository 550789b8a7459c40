"""`papers-bot digest --like ID --dislike ID`: a channel's votes applied to a saved list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import HF_DAILY_DAYS, HF_DAILY_DIR

DAY = "2025-10-15"
LAST = "2510.08783"  # MLLM as a UI Judge: near the bottom of the day by popularity
TOP = "2510.12586"  # the day's most popular paper


@pytest.fixture
def real_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if DAY not in HF_DAILY_DAYS:
        pytest.skip(f"../shared/hf-daily/{DAY}.json is not present")
    monkeypatch.chdir(tmp_path)  # no .env of a developer
    return HF_DAILY_DIR / f"{DAY}.json"


def digest(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["digest", "--format", "json", "--top", "100", *args])
    out, err = capsys.readouterr()
    return code, out, err


def order(out: str) -> list[str]:
    return [p["id"] for p in json.loads(out)["papers"]]


def test_like_and_dislike_move_papers_of_a_real_file(real_file: Path, capsys):
    _, plain, _ = digest(capsys, "--from-file", str(real_file))
    code, taught, err = digest(
        capsys, "--from-file", str(real_file), "--like", LAST, "--dislike", f"https://arxiv.org/abs/{TOP}v2"
    )
    assert code == 0 and err == ""
    assert order(plain).index(LAST) > 10 and order(taught).index(LAST) < 3
    assert order(plain)[0] == TOP and order(taught).index(TOP) > 0
    entry = next(p for p in json.loads(taught)["papers"] if p["id"] == LAST)
    assert entry["feedback"][0] == LAST
    assert "feedback" not in json.loads(plain)["papers"][0]


def test_like_applies_to_a_topic_digest(real_file: Path, capsys):
    _, plain, _ = digest(capsys, "--from-file", str(real_file), "--topic", "LLM agents")
    _, taught, _ = digest(capsys, "--from-file", str(real_file), "--topic", "LLM agents", "--like", LAST)
    assert LAST not in order(plain) and LAST in order(taught)  # just below the threshold: admitted


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--like", "2510.99999"], "--like 2510.99999: no such paper in the input (26 papers)"),
        (["--dislike", "2401.00001"], "--dislike 2401.00001: no such paper in the input"),
        (["--like", "not-a-paper"], "--like 'not-a-paper' is not an arXiv id or paper link"),
        (["--like", LAST, "--dislike", LAST], f"{LAST} cannot be both liked and disliked"),
    ],
)
def test_bad_votes_are_one_clear_line(real_file: Path, capsys, args: list[str], message: str):
    code, out, err = digest(capsys, "--from-file", str(real_file), *args)
    assert code == 1 and out == ""
    assert err.startswith("papers-bot: error: ") and message in err and err.count("\n") == 1
