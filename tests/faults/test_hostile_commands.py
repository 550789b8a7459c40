"""Item 6: 1,000 generated command strings through the real Slack request path, 1,000 through the
Discord command path.

Hypothesis generates them (a command word, then random unicode, huge inputs, `<!channel>`,
`@everyone`, `<@U1>`, markdown, control and bidi characters: the hostile pieces of
tests/render/test_hostile.py); half are typed by someone who manages the channel, half by someone
who does not, in another channel. Slack: signed HTTP to the Bolt app, answers to the fake
response_url. Discord: interactions through the stand-in, the strings in the typed options (cut to
the lengths Discord itself enforces). Checked: every request acknowledged (no HTTP 500), every
command answered, no answer is a crash notice or shows a traceback, no answer can mention anyone,
no log record of an error, and Redis holds only keys of the schema, only for the manager's
channel, with settings that are valid.

The seed is printed with the figures; FAULTS_SEED=N replays a run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from adapters.slack.runtime import Runtime
from bot.ranking import TopicQuery
from bot.store import ChannelRef, State
from bot.store.models import MAX_TOPIC_LENGTH, MAX_TOPICS, Schedule
from tests.adapters.discord.conftest import (
    GENERAL,
    GENERAL_REF,
    MANAGER,
    MEMBER,
    PAPERS,
    PAPERS_REF,
)
from tests.adapters.slack.conftest import validate_blocks
from tests.fakes.discord_api import DiscordStandIn
from tests.fakes.discord_api import payloads as p
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import TEAM, SlackSender
from tests.faults.conftest import Figures
from tests.render.checks import JUNK, assert_slack_text_safe
from tests.render.test_hostile import PIECES

pytestmark = [
    pytest.mark.faults,
    pytest.mark.timeout(240),
    pytest.mark.slack_overrides(slack_managers="admins"),
]

COMMANDS = 1000
CRASH_NOTICES = ("Something went wrong", "Traceback", 'File "', "Exception", "Error:")
WORDS = ["", "top", "top 99", "week", "yesterday", "2025-10-15", "search", "subscribe", "unsubscribe",
         "time", "time 09:00", "count", "why", "help", "status", "topics", "pause", "resume", "today"]  # fmt: skip
INJECTIONS = ["<!channel>", "<!here>", "<!everyone>", "@everyone", "@here", "<@U1>", "<#C1|general>",
              "<!subteam^S1>", "**bold** _it_ `code` ```block```", "[click](https://evil.example)",
              "<https://evil.example|click>", "\x00\x07\x1b[31m", "\u202e\u2066", "'; DROP TABLE--",
              "{\"t\": [\"x\"]}", "payload", "payload={}", "${jndi:ldap://x}", "../../etc/passwd", "%s%n%x", "\r\nX-Header: 1"]  # fmt: skip
piece = st.sampled_from(PIECES + INJECTIONS) | st.text(max_size=20)
huge = st.tuples(st.sampled_from([*PIECES, *INJECTIONS, "x", "é", "😀"]), st.integers(200, 40_000)).map(
    lambda t: (t[0] * (t[1] // max(1, len(t[0])) + 1))[: t[1]]
)
tail = st.lists(piece, max_size=30).map("".join) | huge | st.text()
command_texts = st.tuples(st.sampled_from(WORDS), tail).map(lambda t: f"{t[0]} {t[1]}" if t[0] else t[1])

KEY = re.compile(
    r"^P:(?:sub|posted|last):\{(?P<ch>[^{}]+)\}$|^P:claim:\{[^{}]+\}:[\w/+-]+:\d{4}-\d\d-\d\d$"
    r"|^P:due:(slack|discord)$"
    r"|^P:platforms$|^P:chans:(slack|discord):[^:]+$|^P:hf:(day|lock|err):\d{4}-\d\d-\d\d$"
    r"|^P:seen:slack:[0-9a-f]{24}$|^P:migrations$"
    r"|^P:votes:key$|^P:votes:(?:t:|card:)?\{[^{}]+\}$"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
SUB_FIELDS = {
    "cfg",
    "v",
    "created_at",
    "changed_by",
    "changed_at",
    "paused",
    "paused_reason",
    "paused_at",
    "active_since",
}


def generate(count: int, strategy: st.SearchStrategy[Any], run_seed: int) -> list[Any]:
    """`count` examples of `strategy`, drawn by Hypothesis (generation only, no shrinking)."""
    out: list[Any] = []

    @seed(run_seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    rng = random.Random(run_seed)
    while len(out) < count:  # Hypothesis may stop early once it has seen enough distinct examples
        out.append(rng.choice(out))
    return out[:count]


def run_seed() -> int:
    return int(os.environ.get("FAULTS_SEED") or random.randrange(1 << 30))


async def check_store(state: State, allowed: ChannelRef, refused: ChannelRef, by: str) -> dict[str, int]:
    """Only keys of the schema; only the manager's channel subscribed; valid settings."""
    prefix = state.keys.prefix
    keys = [key async for key in state.redis.scan_iter(match=f"{prefix}:*", count=1000)]
    for key in keys:
        assert KEY.match("P" + key[len(prefix) :]), key
    assert not await state.redis.exists(state.keys.sub(refused), state.keys.posted(refused))
    for key in keys:
        assert refused.tag not in key, key
    sub = await state.redis.hgetall(state.keys.sub(allowed))
    topics: list[str] = []
    if sub:
        assert set(sub) <= SUB_FIELDS | {k for k in sub if k.startswith("last_")}, sub.keys()
        schedule = Schedule.from_json(sub["cfg"], platform=allowed.platform)
        ZoneInfo(schedule.timezone)
        topics = list(schedule.topics)
        assert len(topics) <= MAX_TOPICS
        for topic in topics:
            assert 0 < len(topic) <= MAX_TOPIC_LENGTH and not JUNK.search(topic), topic
            TopicQuery.parse(topic)  # every stored topic still parses
        assert sub["changed_by"] == by
        assert not JUNK.search(sub.get("paused_reason", "")), sub
    return {"keys": len(keys), "topics_stored": len(topics)}


def error_records(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors logged meanwhile, less asyncio's notes about tasks of earlier tests' closed loops."""
    return [
        f"{r.name}: {r.getMessage()[:200]}"
        for r in caplog.records
        if r.levelno >= logging.ERROR
        and not (r.name == "asyncio" and "was destroyed but it is pending" in r.getMessage())
    ]


# ---------------------------------------------------------------- Slack


async def test_1000_generated_commands_through_the_slack_request_path(
    slack: Runtime, sender: SlackSender, fake_slack: FakeSlack, papers_today: list, figures: Figures,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.WARNING)
    used_seed = run_seed()
    # Slack sends UTF-8: no lone surrogates (Discord's JSON can carry them, so they stay there)
    texts = [_SURROGATE.sub("\ufffd", t) for t in generate(COMMANDS, command_texts, used_seed)]
    fake_slack.add_user("UADMIN", admin=True)
    fake_slack.add_user("UMEMBER")
    statuses: list[int] = []

    async def one(i: int, text: str) -> None:
        user, channel = ("UADMIN", "C1") if i % 2 == 0 else ("UMEMBER", "C2")
        sent = await sender.command(text, name=f"h{i}", user=user, channel=channel)
        statuses.append(sent.status)

    for start in range(0, COMMANDS, 25):
        await asyncio.gather(*(one(i, texts[i]) for i in range(start, min(COMMANDS, start + 25))))
    await fake_slack.wait_for(
        lambda: all(fake_slack.responses_to(f"h{i}") for i in range(COMMANDS) if statuses[i] == 200),
        within=60,
    )
    await fake_slack.wait_for(lambda: slack.bot.jobs.running == 0, within=30)

    answers = [(i, body) for i in range(COMMANDS) for body in fake_slack.responses_to(f"h{i}")]
    crashes, mentions, slow = [], [], 0
    for i, body in answers:
        text = body.get("text", "")
        shown = json.dumps(body.get("blocks", []), ensure_ascii=False) + text
        if any(marker in shown and marker not in texts[i] for marker in CRASH_NOTICES):
            crashes.append((texts[i][:80], text[:200]))
        slow += "couldn't answer in time" in text
        assert body.get("response_type") == "ephemeral" and not body.get("link_names"), body
        validate_blocks(body)
        try:
            assert_slack_text_safe(text)
            for block in body["blocks"]:
                for part in [block.get("text", {}), *block.get("elements", ())]:
                    if isinstance(part, dict) and part.get("type") == "mrkdwn":
                        assert_slack_text_safe(part["text"])
        except AssertionError as exc:
            mentions.append((texts[i][:80], str(exc)[:200]))
    stored = await check_store(
        slack.state, ChannelRef("slack", TEAM, "C1"), ChannelRef("slack", TEAM, "C2"), "slack:UADMIN"
    )
    errors = error_records(caplog)
    figures.add(
        "item6 slack hostile commands",
        seed=used_seed,
        commands=COMMANDS,
        longest_chars=max(map(len, texts)),
        http_statuses=dict(sorted({s: statuses.count(s) for s in set(statuses)}.items())),
        answered=len({i for i, _ in answers}),
        crash_notices=len(crashes),
        unsafe_texts=len(mentions),
        slow_answers=slow,
        error_logs=len(errors),
        **stored,
    )
    assert 500 not in statuses and set(statuses) <= {200, 413}, sorted(set(statuses))
    assert len({i for i, _ in answers}) == statuses.count(200)
    assert crashes == [], crashes[:3]
    assert mentions == [], mentions[:3]
    assert errors == [], errors[:3]


# ---------------------------------------------------------------- Discord

# (subcommand, option name, its max length as declared to Discord) for every free-text option
STRING_OPTIONS = [("today", "topic", 100), ("top", "topic", 100), ("date", "day", 20), ("week", "topic", 100),
                  ("search", "query", 100), ("why", "paper", 300), ("subscribe", "topic", 100),
                  ("unsubscribe", "topic", 100), ("time", "time", 10), ("time", "timezone", 100)]  # fmt: skip


def discord_options(index: int, text: str) -> tuple[str, list[dict[str, Any]]]:
    sub, name, longest = STRING_OPTIONS[index % len(STRING_OPTIONS)]
    value = text[:longest] or "x"  # Discord itself refuses empty and longer values
    options = [p.option(name, value)]
    if sub == "top":
        options.insert(0, p.option("count", 1 + index % 20))
    if sub == "time" and name == "timezone":
        options.insert(0, p.option("time", "08:00"))
    return sub, options


async def test_1000_generated_commands_through_the_discord_command_path(
    standin: DiscordStandIn, bot, state: State, figures: Figures, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    used_seed = run_seed()
    texts = generate(COMMANDS, command_texts, used_seed)
    results: list[tuple[int, int, str]] = []

    async def one(i: int) -> None:
        sub, options = discord_options(i, texts[i])
        manager = i % 2 == 0
        sent = await standin.dispatch_interaction(
            standin.command_interaction(
                "papers", p.subcommand(sub, *options),
                member_permissions=MANAGER if manager else MEMBER, channel_id=GENERAL if manager else PAPERS,
            )
        )  # fmt: skip
        final = await sent.callback(timeout=10)
        if final.status == 200 and final.json["type"] == 5:
            final = await sent.original_edit(timeout=10)
            content = final.json.get("content") or ""
        else:
            content = (final.json or {}).get("data", {}).get("content") or ""
        results.append((i, final.status or 0, content))

    for start in range(0, COMMANDS, 10):
        await asyncio.gather(*(one(i) for i in range(start, min(COMMANDS, start + 10))))
    await asyncio.sleep(0.2)  # followups of long listings
    rejected = [r for r in standin.requests if (r.status or 0) >= 400]
    crashes = [
        (texts[i][:80], c[:200])
        for i, _, c in results
        if any(m in c and m not in texts[i] for m in CRASH_NOTICES)
    ]
    stored = await check_store(state, GENERAL_REF, PAPERS_REF, f"discord:{p.DEFAULT_USER_ID}")
    errors = error_records(caplog)
    figures.add(
        "item6 discord hostile commands",
        seed=used_seed,
        commands=COMMANDS,
        answered=len(results),
        http_5xx=sum(1 for _, s, _ in results if s >= 500),
        requests_refused_by_discord=len(rejected),
        crash_notices=len(crashes),
        slow_answers=sum("couldn't answer in time" in c for _, _, c in results),
        error_logs=len(errors),
        **stored,
    )  # no mention anywhere: the `standin` fixture checks every message body at teardown
    assert len(results) == COMMANDS and all(s == 200 for _, s, _ in results)
    assert rejected == [], rejected[:3]
    assert crashes == [], crashes[:3]
    assert errors == [], errors[:3]


def test_invisible_characters_never_reach_a_stored_topic() -> None:
    """Found by the Slack run: C1 controls (U+0080-U+009F) went into stored topics; with them BOM
    and lone surrogates (which Discord's JSON can carry). The command language drops them all."""
    from bot.commands.language import Subscribe, parse

    assert parse("subscribe \x9a\x88diffusion\ufeff\ud800 \x85models") == Subscribe("diffusion models")
