"""What a deployment relies on: the lock pins every dependency, Procfile and compose run real commands,
and the README's configuration table lists exactly the settings that exist."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest

from bot.cli import PLATFORM_COMMANDS, build_parser
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def test_lock_pins_every_runtime_dependency() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {
        _name(line): line.split("==")[1]
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    }
    missing = {_name(d) for d in declared} - set(pinned)
    assert not missing, f"requirements.lock lacks {missing}: regenerate it (see its header)"


@pytest.mark.parametrize("line", (ROOT / "Procfile").read_text().splitlines())
def test_procfile_runs_real_commands(line: str) -> None:
    process, command = line.split(": ", 1)
    program, *args = command.split()
    assert program == "papers-bot" and process == args[0]
    assert build_parser().parse_args(args).command == process
    assert callable(importlib.import_module(PLATFORM_COMMANDS[process]).main)


def test_compose_persists_redis_and_runs_both_apps() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert '"--appendonly", "yes"' in compose and "redis-data:/data" in compose
    assert 'command: ["papers-bot", "slack"]' in compose and 'command: ["papers-bot", "discord"]' in compose
    assert compose.count("condition: service_healthy") == 2 and compose.count("restart: on-failure") == 2


def test_readme_configuration_table_lists_exactly_the_settings() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([A-Z0-9_]+)` \|", section, flags=re.M)
    expected = [name.upper() for name in Settings.model_fields]
    assert sorted(documented) == sorted(expected)
    assert len(documented) == len(set(documented)), "a setting is listed twice"


def test_env_example_mentions_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    missing = [n.upper() for n in Settings.model_fields if f"{n.upper()}=" not in example]
    assert not missing, f".env.example lacks {missing}"
