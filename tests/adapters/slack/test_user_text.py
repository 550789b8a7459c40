"""User text through the real Slack app: decoded once on the way in, escaped once on the way out.

Every request carries the bytes Slack sends: a user who types `/papers search Q&A` is sent as
`text=search+Q%26amp%3BA` (`&` as `&amp;`, then form-encoded), links arrive wrapped in `<...>`.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from adapters.slack.runtime import Runtime, start
from bot.commands import ShowPapers
from bot.commands.payloads import MORE_ACTION
from bot.settings import Settings
from bot.store import ChannelRef, open_state
from tests.adapters.slack.conftest import buttons, today, validate_blocks
from tests.factories import api_item
from tests.fakes.hf import FakeHF
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import CHANNEL, TEAM, SlackSender

REF = ChannelRef("slack", TEAM, CHANNEL)


def shown(answer: dict[str, Any]) -> str:
    """Every mrkdwn string of a response: the fallback text and the blocks' texts."""
    texts = [answer["text"]]
    for block in answer.get("blocks", []):
        if isinstance(block.get("text"), dict):
            texts.append(block["text"]["text"])
        texts.extend(e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn")
    return "\n".join(texts)


async def answer_to(sender: SlackSender, fake: FakeSlack, sent_text: str, name: str) -> dict[str, Any]:
    assert (await sender.command(sent_text, name=name)).status == 200
    await fake.wait_for(lambda: fake.responses_to(name), 5)
    [body] = fake.responses_to(name)
    validate_blocks(body)
    return body


def assert_escaped_once(text: str) -> None:
    assert "&amp;amp;" not in text and "&amp;lt;" not in text and "&amp;gt;" not in text, text


@pytest.fixture
def qa_papers(fake_hf: FakeHF) -> list[dict[str, Any]]:
    items = [
        api_item("2510.12586", title="Open-Domain Q&A <at> Scale", upvotes=90, day=today()),
        api_item("2510.12587", title="Q&A for Tables", upvotes=80, day=today()),
        api_item("2510.12588", title="R&D Agents", upvotes=70, day=today()),
        api_item("2510.12589", title="Quantum Annealing", upvotes=60, day=today()),
    ]
    fake_hf.days[today().isoformat()] = items
    return items


def test_the_request_body_holds_the_bytes_slack_sends(sender: SlackSender) -> None:
    assert "text=search+Q%26amp%3BA&" in sender.command_body("search Q&amp;A", name="x")


async def test_search_q_and_a_finds_the_paper_and_shows_the_query_escaped_once(
    sender: SlackSender, fake_slack: FakeSlack, qa_papers: list
) -> None:
    found = await answer_to(sender, fake_slack, "search Q&amp;A", "found")
    text = shown(found)
    assert "Open-Domain Q&amp;A &lt;at&gt; Scale" in text and "Q&amp;A for Tables" in text
    assert "R&amp;D" not in text and "Quantum" not in text
    assert "Topics: Q&amp;A" in text
    assert_escaped_once(text)
    none = await answer_to(sender, fake_slack, "search Q&amp;A &lt;nothing&gt;", "none")
    assert "No papers matched Q&amp;A &lt;nothing&gt;" in shown(none)
    assert_escaped_once(shown(none))


async def test_a_topic_typed_with_an_ampersand_is_stored_as_typed(
    sender: SlackSender, fake_slack: FakeSlack, slack: Runtime
) -> None:
    confirmed = await answer_to(sender, fake_slack, 'subscribe "R&amp;D"', "sub")
    sub = await slack.bot.state.subscriptions.get(REF)
    assert sub is not None and sub.topics == ('"R&D"',)
    assert '`"R&amp;D"`' in shown(confirmed)
    assert_escaped_once(shown(confirmed))
    listed = await answer_to(sender, fake_slack, "topics", "topics")
    assert '`"R&amp;D"`' in shown(listed) and "&amp;amp;" not in shown(listed)
    dropped = await answer_to(sender, fake_slack, 'unsubscribe "R&amp;D"', "unsub")
    assert "Stopped following" in dropped["text"]
    sub = await slack.bot.state.subscriptions.get(REF)
    assert sub is not None and sub.topics == ()


async def test_did_you_mean_and_problems_repeat_the_input_escaped_once(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    hint = await answer_to(sender, fake_slack, "serch Q&amp;A", "hint")
    assert "/papers search Q&amp;A" in shown(hint)
    assert_escaped_once(shown(hint))
    bad = await answer_to(sender, fake_slack, "top &lt;b&gt;", "bad")
    assert "`&lt;b&gt;` is not a valid number" in shown(bad)
    assert_escaped_once(shown(bad))


async def test_mentions_and_channel_links_become_their_plain_names(
    sender: SlackSender, fake_slack: FakeSlack, slack: Runtime
) -> None:
    await answer_to(sender, fake_slack, "subscribe <!here> <@U123|ana> <#C9|general>", "sub")
    sub = await slack.bot.state.subscriptions.get(REF)
    assert sub is not None and sub.topics == ("@here @ana #general",)
    listed = shown(await answer_to(sender, fake_slack, "topics", "topics"))
    assert "@here @ana #general" in listed and "<!" not in listed and "<@" not in listed


async def test_a_pasted_link_is_a_paper_id(
    sender: SlackSender, fake_slack: FakeSlack, qa_papers: list
) -> None:
    for i, sent in enumerate(
        [
            "why <https://arxiv.org/abs/2510.12586>",
            "why <http://arxiv.org/pdf/2510.12586v2.pdf|arxiv.org/pdf/2510.12586v2.pdf>",
            "why <https://huggingface.co/papers/2510.12586?utm_source=x&amp;utm_medium=y>",
            "why <https://arxiv.org/abs/2510.12586|the paper>",  # a link with its own label
            "why <https://arxiv.org/abs/2510.12586|Open-Domain Q&amp;A &lt;at&gt; Scale>",
            "why ２５１０．１２５８６",  # a CJK keyboard's full-width forms
            "why arXiv:2510.12586\u2060",  # an invisible word joiner pasted along
            "why arXiv preprint arXiv:2510.12586",
        ]
    ):
        body = await answer_to(sender, fake_slack, sent, f"why{i}")
        assert body["text"].startswith("Why "), (sent, body["text"])
        assert "Q&amp;A &lt;at&gt; Scale" in shown(body)
        assert_escaped_once(shown(body))


async def test_more_pages_keep_the_decoded_query(
    sender: SlackSender, fake_slack: FakeSlack, qa_papers: list
) -> None:
    first = await answer_to(sender, fake_slack, "top 1 Q&amp;A", "page1")
    more = buttons(first)[MORE_ACTION]
    assert not set("&<>") & set(more["value"])  # nothing in it for Slack to escape or parse
    assert ShowPapers.from_value(more["value"]) == ShowPapers(top=1, query="Q&A", offset=1)
    await sender.click(more, name="page2")
    await fake_slack.wait_for(lambda: fake_slack.responses_to("page2"), 5)
    [page2] = fake_slack.responses_to("page2")
    assert "Q&amp;A for Tables" in shown(page2) and "Open-Domain" not in shown(page2)
    # a value of an older listing, as Slack sends values back with its own escaping
    old = dict(more, value='["latest",1,"Q&amp;A",1]')
    await sender.click(old, name="old")
    await fake_slack.wait_for(lambda: fake_slack.responses_to("old"), 5)
    [again] = fake_slack.responses_to("old")
    assert "Q&amp;A for Tables" in shown(again) and "Topics: Q&amp;A" in shown(again)
    assert_escaped_once(shown(again))


async def test_topics_stored_escaped_by_old_versions_are_rewritten_at_start_and_work(
    slack_settings: Settings, fake_slack: FakeSlack, qa_papers: list
) -> None:
    """Old versions stored `"R&D"` as Slack sent it, `"R&amp;D"`: it showed as `R&amp;amp;D` and could not
    be removed. The app rewrites it once at start; Discord's topics are left as typed."""
    discord = ChannelRef("discord", "1", "2")
    seed = await open_state(slack_settings)
    try:
        for ref in (REF, discord):
            await seed.subscriptions.subscribe(ref, by="slack:U1")
            await seed.redis.hset(
                seed.keys.sub(ref), "cfg", '{"at":"09:00","tz":"UTC","n":5,"t":["\\"R&amp;D\\""]}'
            )
        runtime = await start(slack_settings, host="127.0.0.1", port=0, daily=False)
        try:
            assert json.loads(await seed.redis.hget(seed.keys.sub(REF), "cfg"))["t"] == ['"R&D"']
            assert json.loads(await seed.redis.hget(seed.keys.sub(discord), "cfg"))["t"] == ['"R&amp;D"']
            async with aiohttp.ClientSession() as session:
                sender = SlackSender(session, f"http://127.0.0.1:{runtime.port}/slack/events", fake_slack)
                listed = shown(await answer_to(sender, fake_slack, "topics", "topics"))
                assert '`"R&amp;D"`' in listed
                assert_escaped_once(listed)
                dropped = await answer_to(sender, fake_slack, 'unsubscribe "R&amp;D"', "unsub")
                assert "Stopped following" in dropped["text"], dropped["text"]
        finally:
            await runtime.stop()
        sub = await seed.subscriptions.get(REF)
        assert sub is not None and sub.topics == ()
    finally:
        await seed.aclose()
