"""The Discord stand-in, proven against the real discord.py client (and raw HTTP/websocket where discord.py
would refuse to send what we want to check)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import time
import urllib.request
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import discord.utils
import pytest
import yarl
from discord import app_commands

from tests.fakes.discord_api import (
    ChannelSpec,
    DiscordStandIn,
    DiscordStandInThread,
    GuildSpec,
    missing_access,
    option,
    point_discord_py,
    rate_limited,
    running,
    subcommand,
    subcommand_group,
)
from tests.fakes.discord_api import gateway as gateway_module
from tests.fakes.discord_api import payloads as p

pytestmark = pytest.mark.timeout(30)

TOKEN = "standin.bot.token"
CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


# ---------------------------------------------------------------- a minimal discord.py bot


class Bot(discord.Client):
    """A Client with a CommandTree: /papers digest show <topic> [limit], /papers later <topic>, /slow."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05, **kwargs)
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.errors: list[BaseException] = []
        self.slow_seconds = 0.0

        papers = app_commands.Group(name="papers", description="Daily papers")
        digest = app_commands.Group(name="digest", description="Digest commands", parent=papers)

        @digest.command(name="show", description="Show today's digest")
        async def show(interaction: discord.Interaction, topic: str, limit: int = 5) -> None:
            perms = interaction.permissions
            await interaction.response.send_message(
                f"{topic} x{limit} in #{interaction.channel} by {interaction.user} (manage={perms.manage_guild})",
                ephemeral=True,
            )

        @show.autocomplete("topic")
        async def topic_choices(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            topics = ["diffusion", "agents", "distillation"]
            return [app_commands.Choice(name=t, value=t) for t in topics if t.startswith(current)]

        @papers.command(name="later", description="Defer, then follow up")
        async def later(interaction: discord.Interaction, topic: str) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(f"followup about {topic}", wait=True)
            await interaction.edit_original_response(content=f"done: {topic}")

        @app_commands.command(name="slow", description="Answers after a while")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(self.slow_seconds)
            await interaction.response.send_message("finally")

        self.tree.add_command(papers)
        self.tree.add_command(slow)

        @self.tree.error
        async def on_tree_error(
            interaction: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            self.errors.append(error)

    async def on_ready(self) -> None:
        self.ready.set()


@pytest.fixture
async def lenient_standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(token=TOKEN, fail_on_unknown_routes=False) as server:
        with point_discord_py(server.api_url, server.gateway_url):
            yield server


@pytest.fixture
async def example_bot(lenient_standin: DiscordStandIn) -> AsyncIterator[Bot]:
    client = Bot()
    async with running(client, TOKEN):
        yield client


def papers_channel(client: discord.Client) -> discord.TextChannel:
    channel = client.get_channel(p.DEFAULT_PAPERS_CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    return channel


# ---------------------------------------------------------------- login, READY, GUILD_CREATE


async def test_pointing_discord_py_is_restored_afterwards() -> None:
    def targets() -> tuple[str, yarl.URL]:
        return discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY

    before = targets()
    with point_discord_py("http://127.0.0.1:1/api/v10/", "ws://127.0.0.1:2/"):
        inside = targets()
    assert inside == ("http://127.0.0.1:1/api/v10", yarl.URL("ws://127.0.0.1:2/"))
    assert targets() == before


async def test_client_logs_in_and_gets_the_guild_from_guild_create(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    assert [g.name for g in example_bot.guilds] == ["Stand-in Guild"]
    guild = example_bot.guilds[0]
    assert not guild.unavailable
    assert [c.name for c in guild.text_channels] == ["general", "papers"]
    assert (
        example_bot.user is not None
        and example_bot.user.id == p.DEFAULT_APPLICATION_ID
        and example_bot.user.bot
    )
    assert example_bot.application_id == p.DEFAULT_APPLICATION_ID
    assert guild.me.guild_permissions.send_messages

    # What discord.py did on the wire to get here.
    assert [r.route for r in lenient_standin.requests] == ["GET /users/@me", "GET /oauth2/applications/@me"]
    assert lenient_standin.requests[0].headers["Authorization"] == f"Bot {TOKEN}"
    assert lenient_standin.requests[0].api_version == 10
    (conn,) = lenient_standin.connections
    assert conn.query == {
        "v": "10",
        "encoding": "json",
        "compress": discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE,
    }
    assert conn.heartbeats >= 1
    (identify,) = lenient_standin.identifies
    assert identify["token"] == TOKEN
    assert identify["intents"] == discord.Intents.default().value
    assert "shard" not in identify
    assert [f["op"] for f in conn.sent[:1]] == [10]  # HELLO first
    assert [f["t"] for f in conn.sent if f["op"] == 0] == ["READY", "GUILD_CREATE"]
    assert lenient_standin.unknown_requests == []


async def test_wrong_token_is_refused_like_discord(lenient_standin: DiscordStandIn) -> None:
    client = Bot()
    with pytest.raises(discord.LoginFailure):
        async with running(client, "not-the-token"):
            pass
    assert lenient_standin.requests[0].status == 401


# ---------------------------------------------------------------- interactions


async def test_slash_command_in_a_subcommand_group_is_answered(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    synced = await example_bot.tree.sync()
    assert [c.name for c in synced] == ["papers", "slow"]
    put = await lenient_standin.wait_for("PUT /applications/{application_id}/commands")
    assert put.params["application_id"] == str(p.DEFAULT_APPLICATION_ID)
    assert {c["name"] for c in lenient_standin.commands[None]} == {"papers", "slow"}

    payload = lenient_standin.command_interaction(
        "papers",
        subcommand_group("digest", subcommand("show", option("topic", "diffusion"), option("limit", 3))),
        member_permissions=p.DEFAULT_EVERYONE_PERMISSIONS | p.P_MANAGE_GUILD,
    )
    assert payload["data"]["id"] == str(synced[0].id)  # the id the stand-in gave the synced command
    assert payload["member"]["permissions"] == str(p.DEFAULT_EVERYONE_PERMISSIONS | p.P_MANAGE_GUILD)
    sent = await lenient_standin.dispatch_interaction(payload)
    callback = await sent.callback()

    assert callback.status == 200
    assert callback.json["type"] == p.CB_CHANNEL_MESSAGE_WITH_SOURCE
    assert callback.json["data"]["content"] == "diffusion x3 in #general by ada (manage=True)"
    assert callback.json["data"]["flags"] == 64  # ephemeral
    assert callback.query == {"with_response": "1"}
    assert "Authorization" not in callback.headers  # interaction callbacks are authorised by the token
    assert lenient_standin.interaction_callbacks == [callback]
    assert sent.original is not None and sent.original["content"].startswith("diffusion x3")
    assert example_bot.errors == []


async def test_autocomplete_is_answered_with_choices(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    payload = lenient_standin.autocomplete_interaction(
        "papers", subcommand_group("digest", subcommand("show", option("topic", "di", focused=True)))
    )
    assert payload["type"] == p.APPLICATION_COMMAND_AUTOCOMPLETE
    sent = await lenient_standin.dispatch_interaction(payload)
    callback = await sent.callback()
    assert callback.status == 200
    assert callback.json == {
        "type": p.CB_AUTOCOMPLETE_RESULT,
        "data": {
            "choices": [
                {"name": "diffusion", "value": "diffusion"},
                {"name": "distillation", "value": "distillation"},
            ]
        },
    }


async def test_defer_then_followup_then_edit_original(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    sent = await lenient_standin.dispatch_interaction(
        lenient_standin.command_interaction("papers", subcommand("later", option("topic", "agents")))
    )
    callback = await sent.callback()
    assert callback.json["type"] == p.CB_DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    followup = await sent.followup()
    assert followup.status == 200 and followup.query["wait"] == "1"
    assert followup.json["content"] == "followup about agents"
    edit = await sent.original_edit()
    assert edit.status == 200 and edit.json["content"] == "done: agents"
    assert sent.original is not None and sent.original["content"] == "done: agents"
    assert not sent.original["flags"] & (1 << 7)  # no longer "thinking"
    contents = [m["content"] for m in lenient_standin.channel_messages(p.DEFAULT_CHANNEL_ID)]
    assert contents == ["done: agents", "followup about agents"]
    assert example_bot.errors == []


async def test_an_answer_after_three_seconds_is_unknown_interaction(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    lenient_standin.rest.interaction_deadline = 0.2  # Discord's 3 s, shrunk
    example_bot.slow_seconds = 0.3
    sent = await lenient_standin.dispatch_interaction(lenient_standin.command_interaction("slow"))
    callback = await sent.callback()
    assert callback.status == 404 and callback.response["code"] == 10062
    for _ in range(50):
        if example_bot.errors:
            break
        await asyncio.sleep(0.02)
    (error,) = example_bot.errors
    assert isinstance(error.__cause__, discord.NotFound) and error.__cause__.code == 10062


# ---------------------------------------------------------------- channel messages


async def test_nonce_with_enforce_nonce_creates_one_message(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    channel = papers_channel(example_bot)
    embed = discord.Embed(
        title="Paper", url="https://huggingface.co/papers/2510.00001", description="abstract"
    )
    first = await channel.send("today's papers", embed=embed, nonce="digest-2025-10-15")
    second = await channel.send("today's papers", embed=embed, nonce="digest-2025-10-15")
    other = await channel.send("another", nonce="digest-2025-10-16")

    assert first.id == second.id != other.id
    creates = lenient_standin.message_creates(p.DEFAULT_PAPERS_CHANNEL_ID)
    assert [r.json["content"] for r in creates] == ["today's papers", "another"]
    posted = creates[0].json
    assert posted["nonce"] == "digest-2025-10-15" and posted["enforce_nonce"] is True
    assert posted["embeds"][0]["title"] == "Paper"
    assert "allowed_mentions" not in posted or isinstance(posted["allowed_mentions"], dict)
    requests = [r for r in lenient_standin.requests if r.route == "POST /channels/{channel_id}/messages"]
    assert len(requests) == 3 and requests[1].deduplicated
    assert first.embeds[0].title == "Paper"
    assert lenient_standin.message_creates(p.DEFAULT_CHANNEL_ID) == []


async def test_nonce_longer_than_25_is_rejected(lenient_standin: DiscordStandIn, example_bot: Bot) -> None:
    with pytest.raises(discord.HTTPException) as caught:
        await papers_channel(example_bot).send("x", nonce="n" * 26)
    assert caught.value.status == 400 and caught.value.code == 50035
    assert "nonce" in caught.value.text


async def test_oversized_content_and_embeds_are_rejected(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    channel = papers_channel(example_bot)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("x" * 2001)
    assert caught.value.code == 50035 and "2000 or fewer" in caught.value.text
    big = [discord.Embed(title="t", description="d" * 4000) for _ in range(2)]
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send(embeds=big)
    assert caught.value.code == 50035 and "6000" in caught.value.text
    assert lenient_standin.message_creates() == []


async def test_files_edits_and_deletes(lenient_standin: DiscordStandIn, example_bot: Bot) -> None:
    channel = papers_channel(example_bot)
    message = await channel.send(
        "with a file", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="papers.csv")
    )
    (create,) = lenient_standin.message_creates(channel.id)
    assert create.json["content"] == "with a file"  # multipart payload_json, decoded
    assert create.files == [
        {"field": "files[0]", "filename": "papers.csv", "content_type": "application/octet-stream", "size": 8}
    ]
    assert message.attachments[0].filename == "papers.csv"

    edited = await message.edit(content="edited")
    assert edited.content == "edited" and edited.edited_at is not None
    await message.delete()
    assert lenient_standin.channel_messages(channel.id) == []
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(message.id)
    fetched = await example_bot.fetch_channel(channel.id)
    assert isinstance(fetched, discord.TextChannel) and fetched.guild.id == p.DEFAULT_GUILD_ID
    guild = await example_bot.fetch_guild(p.DEFAULT_GUILD_ID)
    assert guild.name == "Stand-in Guild"
    async with channel.typing():
        pass
    assert lenient_standin.unknown_requests == []


async def test_scripted_429_is_waited_out_by_discord_py(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    rule = lenient_standin.script(
        f"POST /channels/{p.DEFAULT_PAPERS_CHANNEL_ID}/messages", rate_limited(retry_after=0.25), times=1
    )
    message = await papers_channel(example_bot).send("after the limit")

    assert message.content == "after the limit"
    limited, retried = [
        r for r in lenient_standin.requests if r.route == "POST /channels/{channel_id}/messages"
    ]
    assert rule.exhausted and rule.requests == [limited]
    assert limited.status == 429 and retried.status == 200
    assert limited.response_headers["Retry-After"] == "1"
    assert limited.response_headers["X-RateLimit-Remaining"] == "0"
    assert limited.response_headers["Content-Type"] == "application/json"
    assert retried.monotonic - limited.monotonic >= 0.25
    assert len(lenient_standin.message_creates(p.DEFAULT_PAPERS_CHANNEL_ID)) == 1


async def test_scripted_403_surfaces_as_forbidden_and_unknown_channel_as_not_found(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    lenient_standin.script("POST /channels/{channel_id}/messages", missing_access())
    with pytest.raises(discord.Forbidden) as forbidden:
        await papers_channel(example_bot).send("nope")
    assert forbidden.value.status == 403 and forbidden.value.code == 50001

    with pytest.raises(discord.NotFound) as not_found:
        await example_bot.get_partial_messageable(123456789012345678).send("where?")
    assert not_found.value.code == 10003
    assert lenient_standin.message_creates() == []


async def test_unknown_routes_are_recorded_and_answered_404(
    lenient_standin: DiscordStandIn, example_bot: Bot
) -> None:
    with pytest.raises(discord.NotFound) as caught:
        await example_bot.http.request(discord.http.Route("GET", "/stickers/{sticker_id}", sticker_id=1))
    assert "no route for GET /stickers/1" in caught.value.text
    (unknown,) = lenient_standin.unknown_requests
    assert unknown.path == "/stickers/1" and unknown.status == 404


# ---------------------------------------------------------------- sharding, resume


def two_shard_guilds() -> tuple[GuildSpec, GuildSpec]:
    """Guilds on shard 0 and shard 1 of 2 (shard = (guild_id >> 22) % shard_count)."""
    base = p.snowflake() >> 22 & ~1
    even = GuildSpec(base << 22 | 11, "Even", [ChannelSpec(base << 22 | 12, "even-papers")])
    odd = GuildSpec((base + 1) << 22 | 13, "Odd", [ChannelSpec((base + 1) << 22 | 14, "odd-papers")])
    assert p.shard_for(even.id, 2) == 0 and p.shard_for(odd.id, 2) == 1
    return even, odd


async def test_identify_is_shard_aware() -> None:
    even, odd = two_shard_guilds()
    async with DiscordStandIn(guilds=[even, odd]) as server:
        with point_discord_py(server.api_url, server.gateway_url):
            client = Bot(shard_id=1, shard_count=2)
            async with running(client, TOKEN):
                assert [g.name for g in client.guilds] == ["Odd"]
                (identify,) = server.identifies
                assert identify["shard"] == [1, 2]
                (session,) = server.sessions
                assert session.shard == [1, 2]
                ready = next(s for s in session.dispatched if s["t"] == "READY")
                assert ready["d"]["shard"] == [1, 2]
                assert [g["id"] for g in ready["d"]["guilds"]] == [str(odd.id)]
                with pytest.raises(TimeoutError):
                    await server.dispatch_interaction(
                        server.command_interaction("slow", guild_id=even.id), timeout=0.2
                    )


async def test_autosharded_client_uses_gateway_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    even, odd = two_shard_guilds()
    async with DiscordStandIn(guilds=[even, odd], gateway_bot_shards=2) as server:
        # Only the REST base: the gateway URL must come from GET /gateway/bot.
        monkeypatch.setattr(discord.http.Route, "BASE", server.api_url)

        class ShardedBot(discord.AutoShardedClient):
            async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
                pass  # discord.py sleeps 5 s between shards otherwise

        client = ShardedBot(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        async with running(client, TOKEN):
            assert sorted(g.name for g in client.guilds) == ["Even", "Odd"]
            assert client.shard_count == 2
            assert sorted(i["shard"] for i in server.identifies) == [[0, 2], [1, 2]]
            assert "GET /gateway/bot" in [r.route for r in server.requests]
            assert client.get_guild(odd.id).shard_id == 1


async def test_reconnect_request_is_resumed(lenient_standin: DiscordStandIn, example_bot: Bot) -> None:
    resumed = asyncio.create_task(example_bot.wait_for("resumed", timeout=5))
    await asyncio.sleep(0)  # let wait_for register its listener
    await lenient_standin.gateway.request_reconnect()
    await resumed
    (session,) = lenient_standin.sessions
    assert session.resumes == 1 and len(lenient_standin.connections) == 2
    assert (
        lenient_standin.connections[1].query["compress"] == lenient_standin.connections[0].query["compress"]
    )
    sent = await lenient_standin.dispatch_interaction(lenient_standin.command_interaction("slow"))
    assert (await sent.callback()).json["data"]["content"] == "finally"


# ---------------------------------------------------------------- raw protocol checks


async def test_gateway_speaks_plain_and_zlib_stream() -> None:
    async with DiscordStandIn() as server, aiohttp.ClientSession() as http:
        async with http.ws_connect(server.gateway_url + "?v=10&encoding=json") as ws:
            hello = await ws.receive(timeout=5)
            assert hello.type == aiohttp.WSMsgType.TEXT and json.loads(hello.data)["op"] == 10
        async with http.ws_connect(server.gateway_url + "?v=10&encoding=json&compress=zlib-stream") as ws:
            inflate = zlib.decompressobj()
            frame = await ws.receive(timeout=5)
            assert frame.type == aiohttp.WSMsgType.BINARY and frame.data.endswith(b"\x00\x00\xff\xff")
            assert json.loads(inflate.decompress(frame.data))["d"]["heartbeat_interval"] == 41250
            await ws.send_json({"op": 1, "d": None})
            ack = await ws.receive(timeout=5)
            assert json.loads(inflate.decompress(ack.data))["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": "t", "intents": 513, "properties": {}}})
            ready = json.loads(inflate.decompress((await ws.receive(timeout=5)).data))
            assert ready["t"] == "READY" and ready["s"] == 1
            assert ready["d"]["resume_gateway_url"] == server.gateway_url
            guild = json.loads(inflate.decompress((await ws.receive(timeout=5)).data))
            assert guild["t"] == "GUILD_CREATE" and guild["d"]["id"] == str(p.DEFAULT_GUILD_ID)
        # zstd-stream is what discord.py asks for when `zstandard` (or Python 3.14's compression.zstd) is importable.
        async with http.ws_connect(server.gateway_url + "?v=10&encoding=json&compress=zstd-stream") as ws:
            frame = await ws.receive(timeout=5)
            if gateway_module._compressor("zstd-stream") is None:
                assert frame.type == aiohttp.WSMsgType.CLOSE and frame.data == 4000
            else:
                assert frame.type == aiohttp.WSMsgType.BINARY


async def test_gateway_closes_like_discord_on_bad_identify() -> None:
    async with DiscordStandIn(token="right", allowed_intents=0) as server, aiohttp.ClientSession() as http:
        for identify, code in (
            ({"token": "wrong", "intents": 0}, 4004),
            ({"token": "right", "intents": 1 << 15}, 4014),
            ({"token": "right", "intents": 0, "shard": [2, 2]}, 4010),
        ):
            async with http.ws_connect(server.gateway_url + "?v=10&encoding=json") as ws:
                await ws.receive(timeout=5)  # HELLO
                await ws.send_json({"op": 2, "d": identify})
                closed = await ws.receive(timeout=5)
                assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == code


async def test_interaction_callback_rules_over_raw_http() -> None:
    async with DiscordStandIn() as server, aiohttp.ClientSession() as http:
        # The stand-in sends nothing without a session; register the interaction as dispatch would.
        payload = server.command_interaction("slow")
        server.rest.register_interaction(payload)
        url = f"{server.api_url}/interactions/{payload['id']}/{payload['token']}/callback"
        app = p.DEFAULT_APPLICATION_ID
        webhook = f"{server.api_url}/webhooks/{app}/{payload['token']}"

        async with http.post(webhook, json={"content": "too early"}) as early:
            assert early.status == 404 and (await early.json())["code"] == 10015
        async with http.post(url, json={"type": 8, "data": {"choices": []}}) as wrong_type:
            assert wrong_type.status == 400 and (await wrong_type.json())["code"] == 50035
        async with http.post(url, json={"type": 4, "data": {"content": "hi"}}) as first:
            assert first.status == 204 and first.headers.get("Content-Type") is None
        async with http.post(url, json={"type": 4, "data": {"content": "again"}}) as second:
            assert second.status == 400
            assert second.headers["Content-Type"] == "application/json"
            assert (await second.json())["code"] == 40060
        async with http.post(webhook + "?wait=true", json={"content": "later"}) as followup:
            assert followup.status == 200 and (await followup.json())["content"] == "later"
        async with http.post(
            url.replace(payload["token"], "forged"), json={"type": 4, "data": {"content": "x"}}
        ) as bad:
            assert bad.status == 404 and (await bad.json())["code"] == 10062
        async with http.get(f"{server.api_url}/users/@me") as anonymous:
            assert anonymous.status == 401
        statuses = [r.status for r in server.requests]
        assert statuses == [404, 400, 204, 400, 200, 404, 401]


async def test_scripts_match_templates_paths_and_globs_in_order() -> None:
    async with DiscordStandIn() as server, aiohttp.ClientSession(headers={"Authorization": "Bot x"}) as http:
        cid = p.DEFAULT_CHANNEL_ID
        server.script("GET /channels/*", missing_access(), where=lambda r: r.params["channel_id"] == str(cid))
        server.script("GET /channels/{channel_id}", rate_limited(0.01), missing_access())
        statuses = []
        for _ in range(4):
            async with http.get(f"{server.api_url}/channels/{cid}") as resp:
                statuses.append(resp.status)
        assert statuses == [403, 429, 403, 200]
        assert [r.scripted for r in server.requests] == [True, True, True, False]


# ---------------------------------------------------------------- a separate bot process

BOT_PROCESS = """
import os, discord, discord.gateway, discord.http, yarl

discord.http.Route.BASE = os.environ["DISCORD_API_URL"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])

class Bot(discord.Client):
    async def on_ready(self):
        await self.get_channel(int(os.environ["PAPERS_CHANNEL"])).send("hello from a process")

    async def on_interaction(self, interaction):
        await interaction.response.send_message("pong from a process")
        await self.close()

Bot(intents=discord.Intents.default(), guild_ready_timeout=0.05).run(os.environ["DISCORD_TOKEN"], log_handler=None)
"""


@pytest.mark.slow
async def test_a_bot_process_configured_by_environment(lenient_standin: DiscordStandIn) -> None:
    env = {
        **os.environ,
        **lenient_standin.env(),
        "DISCORD_TOKEN": TOKEN,
        "PAPERS_CHANNEL": str(p.DEFAULT_PAPERS_CHANNEL_ID),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BOT_PROCESS,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        posted = await lenient_standin.wait_for("POST /channels/{channel_id}/messages", timeout=15)
        assert posted.json["content"] == "hello from a process"
        sent = await lenient_standin.dispatch_interaction(lenient_standin.command_interaction("anything"))
        assert (await sent.callback()).json["data"]["content"] == "pong from a process"
        output, _ = await asyncio.wait_for(proc.communicate(), 10)
        assert proc.returncode == 0, output.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


# ---------------------------------------------------------------- threaded variant


def test_threaded_standin_serves_synchronous_callers() -> None:
    with DiscordStandInThread(token=TOKEN) as server:
        server.script("GET /users/@me", missing_access())
        request = urllib.request.Request(
            f"{server.api_url}/users/@me", headers={"Authorization": f"Bot {TOKEN}"}
        )
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(request, timeout=5)
        assert denied.value.code == 403
        denied.value.close()
        with urllib.request.urlopen(request, timeout=5) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            assert json.loads(resp.read())["username"] == "papers-bot"
        started = time.monotonic()
        req = server.wait_for("GET /users/@me", after=1, timeout=1.0)
        assert req.status == 200 and time.monotonic() - started < 1.0
        assert server.env()["DISCORD_API_URL"] == server.api_url
