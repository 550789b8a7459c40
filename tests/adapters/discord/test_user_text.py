"""Text typed in Discord options: taken as typed (Discord sends no entities), escaped once on the way out."""

from __future__ import annotations

import pytest

from adapters.discord.commands import PapersCommands
from bot.store import State
from tests.adapters.discord.conftest import GENERAL_REF, MANAGER, answer, command
from tests.fakes.discord_api import DiscordStandIn
from tests.fakes.discord_api import payloads as p

PAPER = "2510.15000"  # "Paper 0 of 2025-10-15", listed on TODAY
LONG_LINK = f"https://huggingface.co/papers/{PAPER}?utm_source=newsletter&utm_medium=email&utm_campaign=daily-papers-digest"


@pytest.mark.parametrize(
    "typed",
    [
        f"arXiv:{PAPER}",
        f"https://arxiv.org/pdf/{PAPER}v2.pdf",
        f"arxiv.org/abs/{PAPER}",
        f"<https://hf.co/papers/{PAPER}>",  # Discord's way to post a link without a preview
        LONG_LINK,  # longer than the 100 characters the option used to allow
        "ａｒＸｉｖ：２５１０．１５０００",  # a CJK keyboard's full-width forms
        f"{PAPER}\u2060",  # an invisible word joiner pasted along
        f"arXiv preprint arXiv:{PAPER} (2025)",  # Google Scholar's citation
        f"arXiv:{PAPER} v2",
        f"https://arxiv.org/abs/arXiv:{PAPER}",
        f"[the paper](https://arxiv.org/abs/{PAPER})",
    ],
)
async def test_why_takes_every_way_of_writing_the_paper(standin: DiscordStandIn, bot, typed: str) -> None:
    assert len(LONG_LINK) > 100
    data = await answer(await command(standin, "why", p.option("paper", typed)))
    assert data["content"].startswith("📄 **Why `Paper 0 of 2025-10-15`"), data["content"]


def test_the_why_option_admits_long_links() -> None:
    why = next(c for c in PapersCommands(None, None).commands if c.name == "why")
    assert why.parameters[0].max_value >= len(LONG_LINK)  # the max_length Discord enforces


async def test_topics_with_ampersands_and_entities_are_kept_as_typed(
    standin: DiscordStandIn, bot, state: State
) -> None:
    for topic in ('"R&D"', "&amp; &lt;b&gt;"):
        data = await answer(
            await command(standin, "subscribe", p.option("topic", topic), permissions=MANAGER)
        )
        assert f"`{topic}`" in data["content"], data  # shown as typed, in a code span
    sub = await state.subscriptions.get(GENERAL_REF)
    assert sub is not None and sub.topics == ('"R&D"', "&amp; &lt;b&gt;")
    listed = await answer(await command(standin, "topics"))
    assert '`"R&D"`' in listed["content"] and "`&amp; &lt;b&gt;`" in listed["content"]
    assert "&amp;amp;" not in listed["content"]
