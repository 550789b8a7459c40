"""The Discord adapter's small pieces, without a network: permissions, suggestions, settings."""

from __future__ import annotations

from datetime import date
from typing import Any

import discord
import discord.gateway
import discord.http
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.autocomplete import MAX_CHOICES, timezone_choices, topic_choices
from adapters.discord.commands import PapersCommands, _day, is_private
from adapters.discord.permissions import BOT_PERMISSIONS, can_manage_channel
from bot.commands import CHANGES_SETTINGS, Notice, ShowPapers
from bot.commands.language import Help, Status, Topics, Why
from bot.settings import load_settings
from bot.store.models import parse_timezone
from tests.adapters.discord.conftest import assert_mention_free
from tests.fakes.discord_api.rest import RecordedRequest


def test_settings_default_to_discord_py_own_endpoints() -> None:
    settings = load_settings(None)
    assert settings.discord_api_url == discord.http.Route.BASE
    assert settings.discord_gateway_url == str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert settings.discord_token is None and settings.discord_shard_count is None
    assert load_settings(None, discord_api_url="http://127.0.0.1:1/api/v10/").discord_api_url.endswith("/v10")


@pytest.mark.parametrize(
    ("permissions", "manages"),
    [
        (discord.Permissions(send_messages=True, manage_messages=True, manage_guild=True), False),
        (discord.Permissions(manage_channels=True), True),
        (discord.Permissions(administrator=True), True),
        (discord.Permissions.none(), False),
    ],
)
def test_manage_channels_or_administrator_may_change_settings(
    permissions: discord.Permissions, manages: bool
) -> None:
    assert can_manage_channel(permissions) is manages


def test_the_bot_asks_for_nothing_it_does_not_use() -> None:
    assert discord.Permissions(view_channel=True, send_messages=True, embed_links=True) == BOT_PERMISSIONS
    assert not BOT_PERMISSIONS.mention_everyone and not BOT_PERMISSIONS.administrator


def zones_of(pairs: list[tuple[str, str]]) -> list[str]:
    return [value for _, value in pairs]


def test_time_zone_suggestions() -> None:
    assert zones_of(timezone_choices("europe/berlin"))[0] == "Europe/Berlin"
    assert zones_of(timezone_choices("Berlin")) == ["Europe/Berlin"]
    assert zones_of(timezone_choices("utc"))[0] == "UTC"
    assert zones_of(timezone_choices("", ["Asia/Tokyo"]))[:2] == ["Asia/Tokyo", "UTC"]
    assert "America/Argentina/Buenos_Aires" in zones_of(timezone_choices("buenos"))
    assert timezone_choices("no such place") == []


def test_time_zone_suggestions_read_what_people_type() -> None:
    """The same readings as the command (issue 10, kind 4): abbreviations, countries, cities."""
    assert zones_of(timezone_choices("EST"))[0] == "America/New_York"
    assert zones_of(timezone_choices("ist"))[:3] == ["Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"]
    assert zones_of(timezone_choices("CST"))[:3] == ["America/Chicago", "Asia/Shanghai", "America/Havana"]
    assert zones_of(timezone_choices("india"))[0] == "Asia/Kolkata"
    assert zones_of(timezone_choices("new york"))[0] == "America/New_York"
    assert zones_of(timezone_choices("UTC+2"))[0] == "Etc/GMT-2"
    name, value = timezone_choices("JST")[0]
    assert value == "Asia/Tokyo" and name == "Asia/Tokyo · Japan, JST"
    assert "no daylight saving" in timezone_choices("GMT-5")[0][0]


@settings(deadline=None)
@given(st.text(max_size=120))
def test_every_time_zone_suggestion_is_accepted_by_the_store(typed: str) -> None:
    found = timezone_choices(typed)
    assert len(found) <= MAX_CHOICES
    assert all(parse_timezone(value) == value and len(name) <= 100 for name, value in found)


def test_topic_suggestions() -> None:
    topics = ["diffusion", "Agents", '"video generation" -survey']
    assert topic_choices(topics, "") == topics
    assert topic_choices(topics, "", include_all=True)[-1] == "all"
    assert topic_choices(topics, "AGE", include_all=True) == ["Agents"]
    assert topic_choices(topics, "al", include_all=True) == ["all"]


def test_who_sees_an_answer() -> None:
    assert not is_private(ShowPapers())
    assert not is_private(Why("2510.00001"))
    assert all(not is_private(cls.__new__(cls)) for cls in CHANGES_SETTINGS)
    assert is_private(Status()) and is_private(Topics()) and is_private(Help())
    warning = Notice("Only people who manage this channel can change its daily post", tone="warning")
    assert is_private(ShowPapers(), warning)  # refusals and problems: only the asker


def test_day_option_reads_like_the_text_language() -> None:
    assert _day("2025-10-14") == (date(2025, 10, 14), None)
    assert _day(" yesterday ") == ("yesterday", None)
    assert _day("today") == ("latest", None)
    assert isinstance(_day("2025-02-30")[1], Help)
    assert isinstance(_day("week")[1], Help)  # there is /papers week for that
    assert isinstance(_day("diffusion")[1], Help)


def test_the_group_mirrors_the_command_language() -> None:
    group = PapersCommands(None, None)
    names = {c.name for c in group.commands}
    assert names == {
        "today", "top", "date", "week", "search", "subscribe", "unsubscribe", "topics",
        "time", "count", "pause", "resume", "status", "why", "votes", "forget", "help",
    }  # fmt: skip
    time = group.get_command("time")
    assert [p.name for p in time.parameters] == ["time", "timezone"]  # type: ignore[union-attr]
    assert group.guild_only


def _request(route: str, body: dict[str, Any]) -> RecordedRequest:
    return RecordedRequest(0, "POST", "/x", 10, route, {}, {}, None, b"", body, [], 0.0, 0.0)  # type: ignore[arg-type]


def test_the_mention_check_catches_what_it_should() -> None:
    create = "POST /channels/{channel_id}/messages"
    assert_mention_free(
        [_request(create, {"content": "hi @\u200beveryone", "allowed_mentions": {"parse": []}})]
    )
    with pytest.raises(AssertionError):
        assert_mention_free([_request(create, {"content": "hi"})])
    with pytest.raises(AssertionError):
        assert_mention_free(
            [_request(create, {"content": "hi @everyone", "allowed_mentions": {"parse": []}})]
        )
    with pytest.raises(AssertionError):
        body = {"embeds": [{"title": "<@&12345>"}], "allowed_mentions": {"parse": []}}
        assert_mention_free([_request(create, body)])
