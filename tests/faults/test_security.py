"""Item 7: forged Slack requests, people without the permission, and tokens in logs.

* Slack HTTP mode: unsigned, wrongly signed, tampered and replayed (timestamp more than 5 minutes
  off) requests to /slack/events, each carrying a settings change typed by an admin, are refused
  with 401: nothing answered, nothing stored. The existing tests/adapters/slack/test_commands.py
  covers a bad signature and a stale timestamp; this adds the other ways and checks the store.
* Both platforms: with a subscription in place, someone who may not manage the channel tries every
  settings command; each is refused and the subscription's Redis hash and due-index entry are
  byte for byte what they were. (tests/adapters/discord/test_commands.py checks the refusals on a
  channel without a subscription; the Slack admins test checks three commands.)
* Logs: the Slack app, the Discord client, the HF client and the daily posts run at DEBUG with the
  real logging setup (bot.observability.logs) through successes, failures and a crash whose message
  holds a token; the written log is grepped for every configured secret.
"""

from __future__ import annotations

import io
import logging
import re
import time
from typing import Any

import pytest

from adapters.discord.app import daily_loop as discord_daily_loop
from adapters.slack.daily import daily_loop as slack_daily_loop
from adapters.slack.runtime import Runtime
from bot.observability.logs import configure_logging, secrets_of
from bot.settings import Settings
from bot.store import ChannelRef, State
from tests.adapters.discord.conftest import (
    GENERAL_REF,
    MANAGER,
    MEMBER,
    NOW,
    TOKEN,
    answer,
    command,
)
from tests.fakes.discord_api import DiscordStandIn
from tests.fakes.discord_api import payloads as p
from tests.fakes.hf import FakeHF, Fault
from tests.fakes.slack_api import FakeSlack, Reply
from tests.fakes.slack_requests import SECRET, TEAM, SlackSender
from tests.faults.conftest import Figures

HF_TOKEN = "hf_faultsTestToken0123456789abcdef"
pytestmark = [
    pytest.mark.faults,
    pytest.mark.slack_overrides(slack_managers="admins"),
    pytest.mark.settings_overrides(hf_token=HF_TOKEN, log_level="DEBUG"),
]

SLACK_C1 = ChannelRef("slack", TEAM, "C1")
SETTINGS_TEXTS = ["subscribe hacked", "unsubscribe diffusion", "unsubscribe all", "time 03:00 Asia/Tokyo",
                  "count 20", "pause", "resume"]  # fmt: skip
SETTINGS_COMMANDS: list[tuple[str, tuple[dict[str, Any], ...]]] = [
    ("subscribe", (p.option("topic", "hacked"),)),
    ("unsubscribe", (p.option("topic", "diffusion"),)),
    ("unsubscribe", (p.option("topic", "all"),)),
    ("time", (p.option("time", "03:00"), p.option("timezone", "Asia/Tokyo"))),
    ("count", (p.option("count", 20),)),
    ("pause", ()),
    ("resume", ()),
]


async def snapshot(state: State, ref: ChannelRef) -> tuple[dict[str, str], float | None, set[str]]:
    return (
        await state.redis.hgetall(state.keys.sub(ref)),
        await state.redis.zscore(state.keys.due(ref.platform), ref.member),
        await state.redis.smembers(state.keys.team_channels(ref.platform, ref.team)),
    )


# ---------------------------------------------------------------- Slack signatures


def forgeries(sender: SlackSender, now: int) -> dict[str, tuple[str, dict[str, str]]]:
    """name -> (body, headers) of requests Slack did not send, or sent more than 5 minutes ago."""
    out: dict[str, tuple[str, dict[str, str]]] = {}

    def body(name: str) -> str:
        return sender.command_body("subscribe hacked", name=name, user="UADMIN")

    b = body("unsigned")
    out["unsigned"] = (b, {"Content-Type": "application/x-www-form-urlencoded"})
    b = body("no-signature")
    headers = sender.headers(b)
    del headers["X-Slack-Signature"]
    out["no-signature"] = (b, headers)
    b = body("no-timestamp")
    headers = sender.headers(b)
    del headers["X-Slack-Request-Timestamp"]
    out["no-timestamp"] = (b, headers)
    b = body("wrong-signature")
    out["wrong-signature"] = (b, sender.headers(b, signature="v0=" + "0" * 64))
    b = body("other-secret")
    out["other-secret"] = (
        b,
        SlackSender(sender.session, sender.url, sender.fake, secret="x" * 32).headers(b),
    )
    b = body("tampered")
    out["tampered"] = (b.replace("subscribe+hacked", "subscribe+other"), sender.headers(b))
    b = body("old-scheme")
    out["old-scheme"] = (
        b,
        sender.headers(b, signature=sender.headers(b)["X-Slack-Signature"].replace("v0=", "v1=")),
    )
    for name, offset in (("replay-301s", -301), ("replay-6min", -360), ("replay-1h", -3600),
                         ("replay-1day", -86400), ("future-6min", 360)):  # fmt: skip
        b = body(name)
        out[name] = (b, sender.headers(b, timestamp=now + offset))  # correctly signed, wrong time
    b = body("bad-timestamp")
    out["bad-timestamp"] = (b, sender.headers(b, timestamp=None) | {"X-Slack-Request-Timestamp": "soon"})
    return out


async def test_forged_and_replayed_slack_requests_are_refused(
    slack: Runtime, sender: SlackSender, fake_slack: FakeSlack, figures: Figures
) -> None:
    fake_slack.add_user("UADMIN", admin=True)
    statuses: dict[str, int] = {}
    for name, (body, headers) in forgeries(sender, int(time.time())).items():
        async with sender.session.post(sender.url, data=body.encode(), headers=headers) as response:
            statuses[name] = response.status
    # a button click (interactivity) unsigned
    async with sender.session.post(sender.url, data=b"payload=%7B%7D", headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:  # fmt: skip
        statuses["unsigned-button"] = response.status
    # the genuine article, to show the refusals were about the signature
    genuine = await sender.command("subscribe genuine", name="genuine", user="UADMIN")
    await fake_slack.wait_for(lambda: fake_slack.responses_to("genuine"))
    forged_answers = [n for n, _ in fake_slack.responses if n != "genuine"]
    sub = await slack.state.subscriptions.get(SLACK_C1)
    figures.add(
        "item7 slack forged requests",
        tried=len(statuses),
        refused_401=sum(s == 401 for s in statuses.values()),
        answered=len(forged_answers),
        genuine_status=genuine.status,
        stored_topics=list(sub.topics) if sub else [],
    )
    assert statuses == {name: 401 for name in statuses}, statuses
    assert forged_answers == []
    assert sub is not None and sub.topics == ("genuine",)  # only the signed request changed anything


async def test_a_slack_member_cannot_change_any_setting(
    slack: Runtime, sender: SlackSender, fake_slack: FakeSlack, figures: Figures
) -> None:
    fake_slack.add_user("UADMIN", admin=True)
    fake_slack.add_user("UMEMBER")
    await sender.command("subscribe diffusion", name="setup", user="UADMIN")
    await fake_slack.wait_for(lambda: fake_slack.responses_to("setup"))
    before = await snapshot(slack.state, SLACK_C1)
    assert before[0] and before[1] is not None
    for i, text in enumerate(SETTINGS_TEXTS):
        await sender.command(text, name=f"m{i}", user="UMEMBER")
    await fake_slack.wait_for(
        lambda: all(fake_slack.responses_to(f"m{i}") for i in range(len(SETTINGS_TEXTS)))
    )
    fake_slack.add_user("UADMIN2", admin=True)
    fake_slack.fail("users.info", Reply.error("ratelimited"))  # Slack cannot say: the answer is no
    await sender.command("pause", name="unknown", user="UADMIN2")
    await fake_slack.wait_for(lambda: fake_slack.responses_to("unknown"))
    answers = [fake_slack.responses_to(f"m{i}")[0]["text"] for i in range(len(SETTINGS_TEXTS))]
    after = await snapshot(slack.state, SLACK_C1)
    figures.add("item7 slack member changes", tried=len(SETTINGS_TEXTS) + 1,
                refused=sum("Only people who manage" in a for a in answers)
                + ("couldn't check" in fake_slack.responses_to("unknown")[0]["text"]),
                store_unchanged=after == before)  # fmt: skip
    assert all("Only people who manage this channel" in a for a in answers), answers
    assert "couldn't check" in fake_slack.responses_to("unknown")[0]["text"]
    assert after == before


# ---------------------------------------------------------------- Discord permissions


async def test_a_discord_member_cannot_change_any_setting(
    standin: DiscordStandIn, bot, state: State, figures: Figures
) -> None:
    await answer(await command(standin, "subscribe", p.option("topic", "diffusion"), permissions=MANAGER))
    before = await snapshot(state, GENERAL_REF)
    assert before[0] and before[1] is not None
    near_misses = [MEMBER, MEMBER | p.P_MANAGE_MESSAGES, MEMBER | p.P_MANAGE_GUILD]  # none is Manage Channels
    refusals = 0
    for permissions in near_misses:
        for name, options in SETTINGS_COMMANDS:
            data = await answer(await command(standin, name, *options, permissions=permissions))
            assert data["flags"] & (1 << 6), (name, permissions)  # only the person who asked sees it
            assert "Manage Channels" in data["content"], (name, permissions, data["content"])
            refusals += 1
    after = await snapshot(state, GENERAL_REF)
    figures.add("item7 discord member changes", tried=len(near_misses) * len(SETTINGS_COMMANDS),
                refused=refusals, store_unchanged=after == before)  # fmt: skip
    assert after == before


# ---------------------------------------------------------------- tokens in logs


@pytest.fixture
def written_log(
    restore_root_logging: None,
    slack_settings: Settings,
    settings: Settings,
) -> tuple[io.StringIO, Settings]:
    """The real logging setup at DEBUG with every secret set, installed before either app starts."""
    combined = slack_settings.model_copy(
        update={"hf_token": settings.hf_token, "discord_token": settings.discord_token, "log_level": "DEBUG"}
    )
    stream = io.StringIO()
    configure_logging(combined, stream)
    return stream, combined


async def test_no_token_is_ever_written_to_the_logs(
    written_log: tuple[io.StringIO, Settings],
    fake_slack: FakeSlack,
    fake_hf: FakeHF,
    papers_today: list,
    standin: DiscordStandIn,
    bot,
    settings: Settings,
    state: State,
    figures: Figures,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both apps in one process at DEBUG, through the paths that log most: logins, commands, a
    forged request, HF retries, a post refused for the token, a crash whose message holds tokens."""
    import aiohttp

    from adapters.slack.runtime import start

    stream, combined = written_log
    secrets = secrets_of(combined)
    assert {TOKEN, SECRET, HF_TOKEN, "xoxb-test-token"} <= set(secrets)
    fake_hf.fail(Fault(500), Fault(429, headers={"Retry-After": "1"}))  # the HF client logs its retries
    runtime = await start(combined, host="127.0.0.1", port=0, daily=False)
    try:
        async with aiohttp.ClientSession() as session:
            slack_sender = SlackSender(session, f"http://127.0.0.1:{runtime.port}/slack/events", fake_slack)
            for i, text in enumerate(["", "subscribe diffusion", "status", "top 3", "why 2510.00001"]):
                await slack_sender.command(text, name=f"l{i}")
            await slack_sender.command("status", name="forged", signature="v0=" + "1" * 64)
            await fake_slack.wait_for(lambda: len(fake_slack.responses) >= 5)
            await runtime.state.subscriptions.configure(SLACK_C1, by="t", post_time="00:00", timezone="UTC")
            fake_slack.fail("chat.postMessage", Reply.error("invalid_auth"))  # "check SLACK_BOT_TOKEN"
            await slack_daily_loop(runtime.state, runtime.client).run_once()

            async def leaky(*args: object, **kwargs: object) -> None:
                raise RuntimeError(f"auth failed with {TOKEN} and {SECRET}")

            monkeypatch.setattr(runtime.bot.service, "answer", leaky)
            await slack_sender.command("status", name="crash")
            await fake_slack.wait_for(lambda: fake_slack.responses_to("crash"))
    finally:
        await runtime.stop()
    # Discord: a command and a daily post through the real client (logged in with TOKEN)
    await answer(await command(standin, "subscribe", permissions=MANAGER))
    await state.subscriptions.configure(GENERAL_REF, by="t", post_time="00:00", timezone="UTC")
    await discord_daily_loop(settings, state, bot, clock=lambda: NOW).run_once()
    logging.getLogger("papers.test").warning("the settings were %r", combined)
    assert any(r["authorization"] == f"Bearer {HF_TOKEN}" for r in fake_hf.requests)  # the token was used

    written = stream.getvalue()
    leaks = [f"{s[:6]}... x{written.count(s)}" for s in secrets if s in written]
    figures.add(
        "item7 tokens in logs",
        secrets=len(secrets),
        log_lines=written.count("\n"),
        lines_masked=len([line for line in written.splitlines() if re.search(r"(?<!\*)\*\*\*(?!\*)", line)]),
        leaks=len(leaks),
    )
    assert written.count("\n") > 50  # the run did log (DEBUG)
    assert "auth failed with *** and ***" in written  # the crash's message was logged, masked
    assert leaks == [], leaks
