"""`/papers` and its buttons through Bolt over HTTP, signed as Slack signs them, against local fakes."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from adapters.slack.runtime import Runtime
from bot.commands import ShowPapers
from bot.commands.payloads import MORE_ACTION, POST_ACTION
from bot.render.votes import DISLIKE_ACTION, LIKE_ACTION
from tests.adapters.slack.conftest import buttons, validate_blocks
from tests.fakes.hf import FakeHF, Fault
from tests.fakes.slack_api import FakeSlack, Reply
from tests.fakes.slack_requests import CHANNEL, SlackSender

ACK_LIMIT = 3.0  # Slack shows "operation_timeout" after 3 s


async def answers(fake: FakeSlack, name: str, count: int = 1, within: float = 5.0) -> list[dict]:
    await fake.wait_for(lambda: len(fake.responses_to(name)) >= count, within)
    found = fake.responses_to(name)
    for body in found:
        if "blocks" in body:
            validate_blocks(body)
    return found


async def settled(slack: Runtime, fake: FakeSlack) -> None:
    """Wait until every answer started after an ack is done."""
    await asyncio.sleep(0.05)  # past Jobs' quiet period: every job has been started
    await fake.wait_for(lambda: slack.bot.jobs.running == 0)


async def test_papers_acks_at_once_then_answers_an_ephemeral_listing_with_buttons(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list
) -> None:
    sent = await sender.command("", name="list")
    assert sent.status == 200 and sent.body == "" and sent.seconds < ACK_LIMIT
    [answer] = await answers(fake_slack, "list")
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "Paper 0" in answer["text"] and "<!channel>" not in answer["text"]  # titles are escaped
    found = buttons(answer)
    assert set(found) == {POST_ACTION, MORE_ACTION, LIKE_ACTION, DISLIKE_ACTION}  # and 👍/👎 per paper
    assert ShowPapers.from_value(found[POST_ACTION]["value"]) == ShowPapers()
    assert ShowPapers.from_value(found[MORE_ACTION]["value"]) == ShowPapers(offset=5)


async def test_ack_within_three_seconds_while_hugging_face_hangs(
    sender: SlackSender, fake_slack: FakeSlack, fake_hf: FakeHF
) -> None:
    fake_hf.fail(*[Fault(delay=4)] * 8)  # every day it asks for hangs past Slack's 3 s (HF timeout: 1 s)
    sent = await sender.command("top 3", name="slow")
    assert sent.status == 200 and sent.seconds < 0.5, sent  # far inside the 3 s
    [answer] = await answers(fake_slack, "slow", within=8)
    assert answer["response_type"] == "ephemeral"
    assert "Hugging Face is not answering" in answer["text"]


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": "v0=" + "0" * 64},  # wrong signature
        {"timestamp": int(time.time()) - 6 * 60},  # signed correctly, but 6 minutes old (replay)
    ],
    ids=["bad-signature", "stale-timestamp"],
)
async def test_bad_signature_and_stale_timestamp_are_refused(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, tamper: dict
) -> None:
    sent = await sender.command("", name="forged", **tamper)
    assert sent.status == 401
    good = await sender.command("", name="real")
    assert good.status == 200
    await answers(fake_slack, "real")
    assert fake_slack.responses_to("forged") == []


async def test_stale_signature_of_a_replayed_body_is_refused(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    old = int(time.time()) - 301
    body = sender.command_body("status", name="replay")
    headers = sender.headers(body, timestamp=old)  # a captured request, replayed 5 minutes later
    async with sender.session.post(sender.url, data=body.encode(), headers=headers) as response:
        assert response.status == 401


async def test_a_command_that_mentions_payload_is_answered_and_still_signature_checked(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list
) -> None:
    # Bolt alone parses any form body containing "payload" as an empty request and answers 404
    forged = await sender.command("search payload", name="forged", signature="v0=" + "0" * 64)
    assert forged.status == 401
    sent = await sender.command("search payload", name="payload")
    assert sent.status == 200, sent
    [answer] = await answers(fake_slack, "payload")
    assert answer["response_type"] == "ephemeral" and "payload" in answer["text"]
    assert fake_slack.responses_to("forged") == []


async def test_post_to_channel_reposts_in_channel_and_removes_the_preview(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list, slack: Runtime
) -> None:
    await sender.command("top 3", name="preview")
    [preview] = await answers(fake_slack, "preview")
    sent = await sender.click(buttons(preview)[POST_ACTION], name="share")
    assert sent.status == 200 and sent.seconds < ACK_LIMIT
    posted, delete = await answers(fake_slack, "share", count=2)
    assert posted["response_type"] == "in_channel" and posted["replace_original"] is False
    assert posted["unfurl_links"] is False and posted["unfurl_media"] is False
    assert POST_ACTION not in buttons(posted)  # nothing to share again in the channel
    assert "Paper 0" in posted["text"] and "Paper 3" not in posted["text"]
    assert delete == {"delete_original": True}
    # a second click on the same preview (double click) posts nothing more
    await sender.click(buttons(preview)[POST_ACTION], name="again")
    await settled(slack, fake_slack)
    assert fake_slack.responses_to("again") == []


async def test_a_refused_post_to_channel_is_explained(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list
) -> None:
    await sender.command("top 2", name="preview")
    [preview] = await answers(fake_slack, "preview")
    fake_slack.fail_response(Reply(404, {"error": "channel_not_found"}))
    await sender.click(buttons(preview)[POST_ACTION], name="share")
    [notice] = await answers(fake_slack, "share")
    assert notice["response_type"] == "ephemeral" and "couldn't post that" in notice["text"]
    assert "channel_not_found" in notice["text"]


async def test_more_answers_the_next_page_ephemerally(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list
) -> None:
    await sender.command("", name="page1")
    [page1] = await answers(fake_slack, "page1")
    await sender.click(buttons(page1)[MORE_ACTION], name="page2")
    [page2] = await answers(fake_slack, "page2")
    assert page2["response_type"] == "ephemeral"
    assert "Paper 5" in page2["text"] and "Paper 4 " not in page2["text"]
    assert ShowPapers.from_value(buttons(page2)[MORE_ACTION]["value"]) == ShowPapers(offset=10)
    await sender.click(buttons(page2)[MORE_ACTION], name="page3")
    [page3] = await answers(fake_slack, "page3")
    assert MORE_ACTION not in buttons(page3) and POST_ACTION in buttons(page3)


async def test_a_forged_button_value_gets_help_not_a_trace(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    forged = {
        "action_id": POST_ACTION,
        "text": {"type": "plain_text", "text": "x"},
        "value": '{"not":"ours"}',
    }
    await sender.click(forged, name="forged")
    [answer] = await answers(fake_slack, "forged")
    assert answer["response_type"] == "ephemeral" and "expired" in answer["text"]


async def test_settings_changes_are_confirmed_and_show_in_status(
    sender: SlackSender, fake_slack: FakeSlack
) -> None:
    await sender.command("subscribe diffusion", name="sub")
    [sub] = await answers(fake_slack, "sub")
    assert sub["response_type"] == "ephemeral" and "now gets the daily papers" in sub["text"]
    await sender.command("time 08:30 Europe/Berlin", name="time")
    [changed] = await answers(fake_slack, "time")
    assert "Post time changed" in changed["text"] and "08:30" in changed["text"]
    await sender.command("status", name="status")
    [status] = await answers(fake_slack, "status")
    assert "08:30" in status["text"] and "Europe/Berlin" in status["text"] and "diffusion" in status["text"]
    assert "slack:U1" in status["text"]  # who changed it
    assert fake_slack.calls_to("users.info") == []  # SLACK_MANAGERS=anyone never asks Slack


async def test_a_redelivered_command_is_answered_once(
    sender: SlackSender, fake_slack: FakeSlack, slack: Runtime
) -> None:
    body = sender.command_body("status", name="once", trigger_id="trigger.same")
    first = await sender.post(body)
    retry = await sender.post(body, retry_num=1)
    assert first.status == retry.status == 200
    await settled(slack, fake_slack)
    assert len(fake_slack.responses_to("once")) == 1


async def test_a_bug_in_the_core_is_a_friendly_answer(
    sender: SlackSender, fake_slack: FakeSlack, slack: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(slack.bot.service, "answer", broken)
    await sender.command("status", name="bug")
    [answer] = await answers(fake_slack, "bug")
    assert "Something went wrong on my side" in answer["text"] and "boom" not in answer["text"]


async def test_healthz(slack: Runtime) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{slack.port}/healthz") as response,
    ):
        assert response.status == 200
        health = await response.json()
    assert health["status"] == "ok" and health["redis"]["ok"] is True and health["mode"] == "http"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{slack.port}/metrics") as response,
    ):
        assert response.status == 200 and "papers_commands_total" in await response.text()


async def test_unknown_paths_and_methods(slack: Runtime) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{slack.port}/slack/events") as response:
            assert response.status == 405
        async with session.post(f"http://127.0.0.1:{slack.port}/nope") as response:
            assert response.status == 404


@pytest.mark.slack_overrides(slack_managers="admins")
class TestAdminsOnly:
    async def test_members_are_refused_admins_allowed_and_reading_never_asks(
        self, sender: SlackSender, fake_slack: FakeSlack
    ) -> None:
        fake_slack.add_user("UMEMBER")
        fake_slack.add_user("UADMIN", admin=True)
        fake_slack.add_user("UOWNER", owner=True)
        await sender.command("subscribe", name="member", user="UMEMBER")
        [refused] = await answers(fake_slack, "member")
        assert refused["response_type"] == "ephemeral"
        assert (
            "Only people who manage this channel" in refused["text"] and "admin or owner" in refused["text"]
        )
        await sender.command("subscribe", name="admin", user="UADMIN")
        [ok] = await answers(fake_slack, "admin")
        assert "now gets the daily papers" in ok["text"]
        await sender.command("count 3", name="owner", user="UOWNER")
        assert "Papers per post changed" in (await answers(fake_slack, "owner"))[0]["text"]
        asked = [c.params["user"] for c in fake_slack.calls_to("users.info")]
        assert sorted(asked) == ["UADMIN", "UMEMBER", "UOWNER"]
        await sender.command("status", name="status", user="UMEMBER")  # reading needs no check
        await sender.command("pause", name="cached", user="UADMIN")  # asked a moment ago: cached
        await answers(fake_slack, "status")
        assert "paused" in (await answers(fake_slack, "cached"))[0]["text"].lower()
        assert len(fake_slack.calls_to("users.info")) == 3

    async def test_when_slack_cannot_say_the_answer_is_no(
        self, sender: SlackSender, fake_slack: FakeSlack
    ) -> None:
        await sender.command("subscribe", name="unknown", user="UGHOST")  # users.info: user_not_found
        [answer] = await answers(fake_slack, "unknown")
        assert "couldn't check" in answer["text"] and "Nothing was changed" in answer["text"]
        await sender.command("status", name="status")
        assert "has no daily post" in (await answers(fake_slack, "status"))[0]["text"]


async def test_every_reply_kind_renders_valid_blocks(
    sender: SlackSender, fake_slack: FakeSlack, papers_today: list
) -> None:
    texts = ["", "top 20", "week", "yesterday", "search paper", "why 2510.00001", "help", "topics", "status",
             "subscribe", "subscribe \"unclosed", "unsubscribe nothing", "time 25:00", "count 99", "pause",
             "resume", "frobnicate", "x" * 600, f"<@U1> <!channel> {CHANNEL}"]  # fmt: skip
    for i, text in enumerate(texts):
        assert (await sender.command(text, name=f"k{i}")).status == 200
    for i in range(len(texts)):
        for body in await answers(fake_slack, f"k{i}"):
            assert body["response_type"] == "ephemeral"
