"""`papers-bot discord sync | invite-url | run` through bot.cli, against a threaded stand-in."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import discord.gateway
import discord.http
import pytest

from bot import cli
from tests.adapters.discord.conftest import TOKEN
from tests.fakes.discord_api import DiscordStandInThread
from tests.fakes.discord_api import payloads as p

pytestmark = pytest.mark.timeout(30)

SUBCOMMANDS = {
    "today", "top", "date", "week", "search", "subscribe", "unsubscribe", "topics",
    "time", "count", "pause", "resume", "status", "why", "votes", "forget", "help",
}  # fmt: skip


@pytest.fixture
def discord_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment (no .env, no DISCORD_*), and discord.py's targets restored afterwards."""
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "DISCORD_APPLICATION_ID", "DISCORD_API_URL", "DISCORD_GATEWAY_URL",
                 "DISCORD_SHARD_COUNT", "DISCORD_SHARD_IDS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    return monkeypatch


@pytest.fixture
def server(discord_env: pytest.MonkeyPatch) -> Iterator[DiscordStandInThread]:
    with DiscordStandInThread(token=TOKEN, fail_on_unknown_routes=True) as standin:
        for name, value in standin.env().items():
            discord_env.setenv(name, value)
        yield standin


def test_sync_registers_the_papers_group_globally(
    server: DiscordStandInThread, discord_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    discord_env.setenv("DISCORD_TOKEN", TOKEN)
    assert cli.main(["discord", "sync"]) == 0
    (papers,) = server.commands[None]
    assert papers["name"] == "papers" and {o["name"] for o in papers["options"]} == SUBCOMMANDS
    time_options = next(o for o in papers["options"] if o["name"] == "time")["options"]
    assert [(o["name"], o.get("autocomplete", False)) for o in time_options] == [
        ("time", False),
        ("timezone", True),
    ]
    assert "registered /papers today top" in capsys.readouterr().out


def test_sync_to_one_guild(
    server: DiscordStandInThread, discord_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    discord_env.setenv("DISCORD_TOKEN", TOKEN)
    assert cli.main(["discord", "sync", "--guild", str(p.DEFAULT_GUILD_ID)]) == 0
    assert [c["name"] for c in server.commands[p.DEFAULT_GUILD_ID]] == ["papers"]
    assert f"in server {p.DEFAULT_GUILD_ID}" in capsys.readouterr().out
    assert cli.main(["discord", "sync", "--guild", "987654321098765432"]) == 1  # not installed there
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invite-url" in err[0]


def test_invite_url_has_the_minimal_permissions(
    discord_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    discord_env.setenv("DISCORD_APPLICATION_ID", "1234567890")
    assert cli.main(["discord", "invite-url"]) == 0
    url = capsys.readouterr().out.splitlines()[0]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert query["client_id"] == ["1234567890"]
    assert query["scope"] == ["bot applications.commands"]
    perms = discord.Permissions(int(query["permissions"][0]))
    assert perms == discord.Permissions(view_channel=True, send_messages=True, embed_links=True)


def test_invite_url_looks_the_application_up_with_the_token(
    server: DiscordStandInThread, discord_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    discord_env.setenv("DISCORD_TOKEN", TOKEN)
    assert cli.main(["discord", "invite-url"]) == 0
    assert f"client_id={p.DEFAULT_APPLICATION_ID}" in capsys.readouterr().out


@pytest.mark.parametrize("action", [[], ["run"], ["sync"], ["invite-url"]])
def test_missing_settings_are_one_clear_line(
    action: list[str], discord_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["discord", *action]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("papers-bot: error: ")
    assert "DISCORD_TOKEN" in line or "DISCORD_APPLICATION_ID" in line


def test_a_refused_token_is_one_clear_line(
    server: DiscordStandInThread, discord_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    discord_env.setenv("DISCORD_TOKEN", "not-the-token")
    assert cli.main(["discord", "sync"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "refused DISCORD_TOKEN" in line


def test_bad_discord_settings_name_the_variable(
    discord_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    discord_env.setenv("DISCORD_TOKEN", TOKEN)
    discord_env.setenv("DISCORD_API_URL", "discord.com/api")
    assert cli.main(["discord", "sync"]) == 1
    assert "DISCORD_API_URL" in capsys.readouterr().err
    discord_env.delenv("DISCORD_API_URL")
    discord_env.setenv("DISCORD_SHARD_IDS", "0,3")
    discord_env.setenv("DISCORD_SHARD_COUNT", "2")
    assert cli.main(["discord", "run"]) == 1
    assert "DISCORD_SHARD_IDS" in capsys.readouterr().err


def test_unreachable_discord_is_one_clear_line(
    discord_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.store.embedded import free_port

    discord_env.setenv("DISCORD_TOKEN", TOKEN)
    discord_env.setenv("DISCORD_API_URL", f"http://127.0.0.1:{free_port()}/api/v10")
    assert cli.main(["discord", "sync"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "cannot reach Discord" in line
