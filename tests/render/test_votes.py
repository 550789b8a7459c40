"""The 👍/👎 buttons in rendered posts: on every paper, inside every platform limit."""

from __future__ import annotations

import json

from bot.render import limits as L
from bot.render import render_discord, render_slack
from bot.render.votes import (
    BLOCK_PREFIX,
    DISLIKE_ACTION,
    LIKE_ACTION,
    VoteBar,
    slack_paper_ids,
    slack_relabelled,
    slack_vote_values,
)
from tests.factories import make_paper
from tests.render.checks import assert_discord_payload_ok, assert_slack_payload_ok
from tests.render.helpers import digest_of

VALUE = "pv1|u|2510.00001|fq0|hgwk0|" + "A" * 22  # as long as a real value


def bars_for(ids: list[str]) -> dict[str, VoteBar]:
    return {pid: VoteBar(VALUE.replace("|u|", "|u|"), VALUE.replace("|u|", "|d|"), 3, 1) for pid in ids}


def papers(n: int) -> list:
    return [
        make_paper(f"2510.{i:05d}", title=f"Paper {i} " + "word " * 40, abstract="Sentence. " * 80)
        for i in range(n)
    ]


def test_slack_every_paper_gets_its_vote_block_and_every_message_stays_valid() -> None:
    listed = papers(20)
    payloads = render_slack(digest_of(listed), bars_for([p.id for p in listed]))
    assert len(payloads) > 1
    shown = [pid for payload in payloads for pid in slack_paper_ids(payload["blocks"])]
    assert shown == [p.id for p in listed]  # each paper once, in order
    for payload in payloads:
        assert_slack_payload_ok(payload)
        assert len(payload["blocks"]) <= L.SLACK_MAX_BLOCKS
        assert len(json.dumps(payload["blocks"], ensure_ascii=False)) <= L.SLACK_MSG_BLOCKS_CHARS_REJECTED
        for block in payload["blocks"]:
            if block.get("block_id", "").startswith(BLOCK_PREFIX):
                like, dislike = block["elements"]
                assert (like["action_id"], like["text"]["text"]) == (LIKE_ACTION, "👍 3")
                assert (dislike["action_id"], dislike["text"]["text"]) == (DISLIKE_ACTION, "👎 1")
                assert like["text"]["type"] == "plain_text"  # never parsed: no ping


def test_slack_without_bars_is_unchanged() -> None:
    listed = papers(3)
    assert render_slack(digest_of(listed), {}) == render_slack(digest_of(listed))
    assert not slack_paper_ids(render_slack(digest_of(listed))[0]["blocks"])


def test_slack_relabelling_changes_only_the_counts() -> None:
    listed = papers(3)
    [payload] = render_slack(digest_of(listed), bars_for([p.id for p in listed]))
    relabelled = slack_relabelled(payload["blocks"], {listed[1].id: (7, 0)})
    changed = [(a, b) for a, b in zip(payload["blocks"], relabelled, strict=True) if a != b]
    assert len(changed) == 1
    assert [e["text"]["text"] for e in changed[0][1]["elements"]] == ["👍 7", "👎 0"]
    assert slack_vote_values(relabelled) == slack_vote_values(payload["blocks"])


def test_discord_every_paper_gets_its_buttons_within_five_rows_of_five() -> None:
    listed = papers(20)
    payloads = render_discord(digest_of(listed), bars_for([p.id for p in listed]))
    seen = []
    for payload in payloads:
        components = payload.pop("components")
        assert_discord_payload_ok(payload)
        assert len(components) <= 5
        buttons = [b for row in components for b in row["components"]]
        assert all(len(row["components"]) <= 5 for row in components)
        assert len(buttons) == 2 * len(payload["embeds"])  # 👍 and 👎 for every paper of this message
        assert all(len(b["custom_id"]) <= 100 and len(b["label"]) <= 80 for b in buttons)
        seen += [b["label"].split(" ")[0] for b in buttons[::2]]
    assert seen == [f"#{i}" for i in range(1, 21)]
