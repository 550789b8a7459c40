"""Vote button values (signed, channel-bound, expiring), the edit coalescer, and the two subcommands."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

import pytest
from redis.asyncio import Redis

from bot.commands import Caller, CommandService, Listing, Notice, ShowPapers
from bot.commands.coalesce import Coalescer
from bot.commands.language import ForgetVotes, Help, ShowVotes, Why, parse
from bot.commands.vote_tokens import TokenProblem, VoteSigner, VoteToken, unverified_parts
from bot.commands.votes import VoteOutcome, VoteService, taught_notice
from bot.store import ChannelRef, State, Tally, Taught, TaughtPaper, Vote
from tests.commands.conftest import CHANNEL, MANAGER, MEMBER, TODAY
from tests.conftest import HF_DAILY_DAYS, load_real_day
from tests.fakes.hf import FakeHF

A = ChannelRef("slack", "T1", "C1")
B = ChannelRef("slack", "T1", "C2")
NOW = 1_760_000_000.0
DAY = date(2025, 10, 15)


def test_a_signed_value_reads_back_in_its_channel_only() -> None:
    signer = VoteSigner(b"k" * 32)
    value = signer.sign(A, "2510.12586", Vote.LIKE, DAY, NOW)
    assert value is not None and len(value) <= 100  # Discord's custom_id limit
    assert signer.read(A, value, NOW + 60) == VoteToken("2510.12586", Vote.LIKE, DAY)
    assert signer.read(B, value, NOW) is TokenProblem.FORGED  # replayed in another channel
    assert signer.read(ChannelRef("discord", "T1", "C1"), value, NOW) is TokenProblem.FORGED
    assert VoteSigner(b"x" * 32).read(A, value, NOW) is TokenProblem.FORGED  # another key (lost, made again)


@pytest.mark.parametrize(
    "edit",
    [
        lambda v: v.replace("|u|", "|d|"),  # the other vote
        lambda v: v.replace("2510.12586", "2510.12587"),  # another paper
        lambda v: v[:-1] + ("A" if v[-1] != "A" else "B"),  # the MAC
        lambda v: v + "x",
        lambda v: "",
        lambda v: "<!channel>",
        lambda v: "pv1|u|" + "9" * 5000,
    ],
)
def test_an_edited_or_junk_value_is_forged(edit: object) -> None:
    signer = VoteSigner(b"k" * 32)
    value = signer.sign(A, "2510.12586", Vote.LIKE, DAY, NOW)
    assert value is not None
    assert signer.read(A, edit(value), NOW) is TokenProblem.FORGED  # type: ignore[operator]


def test_an_old_value_is_stale_and_odd_ids_get_no_button() -> None:
    signer = VoteSigner(b"k" * 32, max_age_seconds=3600)
    value = signer.sign(A, "2510.12586", Vote.DISLIKE, DAY, NOW)
    assert value is not None
    assert signer.read(A, value, NOW + 3600 + 120) is TokenProblem.STALE
    assert signer.sign(A, "x" * 41, Vote.LIKE, DAY, NOW) is None  # would not fit Discord's 100
    assert signer.sign(A, "has space", Vote.LIKE, DAY, NOW) is None
    assert unverified_parts(value) == ("2510.12586", Vote.DISLIKE)
    with pytest.raises(ValueError):
        VoteSigner(b"short")


async def test_the_coalescer_edits_at_once_then_once_per_interval_with_the_latest() -> None:
    coalescer = Coalescer(interval=0.2)
    ran: list[int] = []

    def update(n: int):  # type: ignore[no-untyped-def]
        async def run() -> None:
            ran.append(n)

        return run

    for n in range(50):  # a burst on two messages
        coalescer.request("m1", update(n))
        coalescer.request("m2", update(100 + n))
    await asyncio.sleep(0.05)  # well inside the interval
    assert ran == [49, 149]  # at once, one edit each, with what was latest then
    for n in range(50, 100):  # more clicks during the interval
        coalescer.request("m1", update(n))
        coalescer.request("m2", update(100 + n))
    await asyncio.sleep(0.05)
    assert ran == [49, 149]  # nothing more until the interval is over
    await coalescer.drain()
    assert ran == [49, 149, 99, 199]  # then only the latest of each
    assert coalescer.waiting == 0


async def test_the_coalescer_is_bounded_and_survives_a_failing_update() -> None:
    coalescer = Coalescer(interval=0.01, max_keys=2)

    async def fail() -> None:
        raise RuntimeError("Slack said no")

    coalescer.request("a", fail)
    coalescer.request("b", fail)
    coalescer.request("c", fail)  # a third message while two wait: dropped, not queued
    assert coalescer.dropped == 1 and coalescer.waiting == 2
    await coalescer.drain()
    assert coalescer.ran == 2 and coalescer.waiting == 0


def test_votes_and_forget_parse() -> None:
    assert parse("votes") == ShowVotes()
    assert parse("forget") == ForgetVotes()
    assert isinstance(parse("forget everything"), Help)
    assert parse("vote").suggestion == "votes"  # type: ignore[union-attr]


def test_taught_lists_titles_as_code_spans_and_spells_forget_per_platform() -> None:
    stamp = __import__("datetime").datetime(2025, 10, 15)
    liked = TaughtPaper("2510.1", "Diffusion `<!channel>`", Tally(2, 0), stamp)
    taught = Taught(liked=(liked,), votes=2)
    notice = taught_notice(taught, "discord")
    text = "\n".join(notice.lines)
    assert "`Diffusion '<!channel>'`" in text  # a code span: no backtick breaks out of it
    assert "/papers forget" in text
    assert "`forget`" in "\n".join(taught_notice(taught, "slack").lines) or "/papers forget" in text
    empty = taught_notice(Taught(), "slack")
    assert empty.title == "This channel has no votes yet"


@pytest.mark.skipif(
    "2025-10-15" not in HF_DAILY_DAYS, reason="../shared/hf-daily/2025-10-15.json is not present"
)
async def test_listings_and_why_rank_with_the_channels_votes(
    service: CommandService, fake_hf: FakeHF, state: State
) -> None:
    fake_hf.days[TODAY.isoformat()] = load_real_day(TODAY.isoformat())
    listing = ShowPapers(when=TODAY, top=10)
    before = await service.answer(listing, MEMBER)
    assert isinstance(before, Listing) and before.votes  # every listed paper has its buttons
    first = before.digest.entries[0].paper
    assert set(before.votes) == {e.paper.id for e in before.digest.entries}
    await state.votes.vote(CHANNEL, first, "slack:U1", Vote.DISLIKE)
    after = await service.answer(listing, MEMBER)
    assert isinstance(after, Listing)
    assert after.digest.entries[0].paper.id != first.id  # the channel's 👎 moved it down
    other = await service.answer(listing, Caller(ChannelRef("slack", "T1", "C9"), "slack:U1", False))
    assert isinstance(other, Listing) and other.digest.entries[0].paper.id == first.id  # only here
    why = await service.answer(Why(first.id), MEMBER)
    # the paper it disliked is named as disliked, not as "like" itself
    assert isinstance(why, Notice) and "feedback -" in (text := "\n".join(why.lines))
    assert "this channel disliked it" in text and "like papers this channel disliked" not in text


async def test_forget_is_for_managers_only(service: CommandService, state: State) -> None:
    await state.votes.vote(CHANNEL, "2510.00001", "slack:U1", Vote.LIKE)
    refused = await service.answer(ForgetVotes(), MEMBER)
    assert isinstance(refused, Notice) and refused.tone == "warning"
    assert (await state.votes.taught(CHANNEL)).votes == 1  # nothing forgotten
    done = await service.answer(ForgetVotes(), MANAGER)
    assert isinstance(done, Notice) and "Forgot this channel's 1 votes" in done.title
    assert (await state.votes.taught(CHANNEL)).votes == 0


BUSY = """local t0 = redis.call('TIME')
while true do
  local t = redis.call('TIME')
  if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > tonumber(ARGV[1]) then return 1 end
end"""


@pytest.mark.timeout(30)
async def test_a_vote_redis_answers_too_late_is_not_stored_after_the_voter_was_told(
    state: State, redis_client: Redis
) -> None:
    votes = VoteService(state, deadline=1.5)
    signer = await votes.signer()
    tomorrow = date.fromtimestamp(time.time()) + timedelta(days=1)  # no list to read: only the vote waits
    warm = signer.sign(A, "2510.00001", Vote.LIKE, tomorrow, time.time())
    value = signer.sign(A, "2510.12586", Vote.LIKE, tomorrow, time.time())
    assert warm is not None and value is not None
    assert (await votes.cast(A, "slack:U1", warm, shown=None)).counted  # a connection is ready
    busy = asyncio.create_task(redis_client.eval(BUSY, 0, 3_500_000))  # Redis stalls for 3.5 s
    await asyncio.sleep(0.2)
    answer = await votes.cast(A, "slack:U1", value, shown=None)
    assert answer.outcome is VoteOutcome.STORAGE_DOWN and answer.notice is not None
    assert "did not count" in answer.notice.title
    await busy  # Redis works again, and reads what was sent to it while it stalled
    await asyncio.sleep(0.3)
    assert await state.votes.mine(A, "2510.12586", "slack:U1") is Vote.NONE  # as the voter was told
    assert await state.votes.counts(A, ["2510.12586"]) == {"2510.12586": Tally()}


async def test_why_quotes_voted_titles_and_topics_without_their_backticks(
    service: CommandService, fake_hf: FakeHF, state: State
) -> None:
    from tests.factories import api_item

    words = "robot manipulation policy learned from demonstrations with a dexterous gripper"
    items = [
        api_item(f"2510.2000{i}", title=f"Robot policy {i}", abstract=f"We learn a {words}.", upvotes=9 - i)
        for i in range(4)
    ]
    fake_hf.days[TODAY.isoformat()] = items
    liked = {**items[0], "paper": {**items[0]["paper"], "title": "Robot ` policy **0** <!channel> `"}}
    fake_hf.days[TODAY.isoformat()] = [liked, *items[1:]]
    listing = await service.answer(ShowPapers(when=TODAY, top=4), MEMBER)
    assert isinstance(listing, Listing)
    voted = next(e.paper for e in listing.digest.entries if e.paper.id == "2510.20000")
    await state.votes.vote(CHANNEL, voted, "slack:U1", Vote.LIKE)
    await state.subscriptions.subscribe(CHANNEL, by="slack:UADMIN", topic="robot `policy`")
    why = await service.answer(Why("2510.20001"), MEMBER)
    assert isinstance(why, Notice)
    said = [line for line in why.lines if line.startswith("• ")]
    # outside text is quoted without its backticks: they would pair with the code spans of ours
    assert any("this channel liked: “Robot ' policy **0** <!channel> '”" in line for line in said), said
    assert any("match for “robot 'policy'”" in line for line in said), said


@pytest.mark.parametrize("title", ["@" * 80, "<@U123> " * 10, "@everyone " * 8, "<" * 80, "&" * 80])
def test_votes_listing_of_titles_that_escape_long_keeps_whole_lines_within_the_platforms_limits(
    title: str,
) -> None:
    from datetime import UTC, datetime

    from bot.commands.payloads import discord_reply, slack_reply

    def voted(prefix: str, tally: Tally) -> tuple[TaughtPaper, ...]:
        return tuple(TaughtPaper(f"{prefix}.{i:05d}", title, tally, datetime.now(UTC)) for i in range(20))

    taught = Taught(liked=voted("2510", Tally(3, 0)), disliked=voted("2511", Tally(0, 3)), votes=300)
    [payload] = discord_reply(taught_notice(taught, "discord"))
    content = payload["content"]
    assert len(content) <= 2000
    assert content.endswith("Managers can clear them with `/papers forget`.")  # the way out is kept
    assert all(line.count("`") % 2 == 0 for line in content.splitlines())  # no code span cut open
    assert "@everyone" not in content and "<@U123>" not in content
    [slack] = slack_reply(taught_notice(taught, "slack"))
    body = slack["blocks"][-1]["text"]["text"]
    assert len(body) <= 3000 and body.endswith("Managers can clear them with `/papers forget`.")
    assert all(line.count("`") % 2 == 0 for line in body.splitlines())


async def test_clicks_on_a_paper_with_a_stored_card_do_not_read_its_days_list_again(
    fake_hf: FakeHF, state: State
) -> None:
    from tests.factories import api_item

    fake_hf.days[TODAY.isoformat()] = [
        api_item(f"2510.3000{i}", title=f"Paper {i}", abstract="A long abstract. " * 100) for i in range(8)
    ]
    votes = VoteService(state)
    signer = await votes.signer()
    value = signer.sign(A, "2510.30001", Vote.LIKE, TODAY, time.time())
    assert value is not None
    assert (await votes.cast(A, "slack:U0", value, shown=None)).counted
    assert (await state.votes.profile(A)).examples[0].title == "Paper 1"  # the card, from the day's list
    await state.redis.config_resetstat()
    for i in range(1, 41):  # a burst of clicks on the same paper
        assert (await votes.cast(A, f"slack:U{i}", value, shown=None)).counted
    stats = await state.redis.info("commandstats")
    assert "cmdstat_get" not in stats  # the day's whole list is not fetched from Redis per click
    assert (await state.votes.counts(A, ["2510.30001"]))["2510.30001"] == Tally(41, 0)
    assert (await state.votes.profile(A)).examples[0].title == "Paper 1"


async def test_a_voters_clicks_count_in_the_order_they_came_even_when_the_first_waits_for_hf(
    fake_hf: FakeHF, state: State
) -> None:
    from bot.source.hf_parse import parse_item
    from tests.factories import api_item

    item = api_item("2510.40001", title="Slow paper", abstract="An abstract.")
    fake_hf.days[TODAY.isoformat()] = [item]
    fake_hf.delay = 0.6  # HF is slow: the first click waits for the paper's card
    votes = VoteService(state)
    signer = await votes.signer()
    like = signer.sign(A, "2510.40001", Vote.LIKE, TODAY, time.time())
    dislike = signer.sign(A, "2510.40001", Vote.DISLIKE, TODAY, time.time())
    assert like is not None and dislike is not None
    first = asyncio.create_task(votes.cast(A, "slack:U1", like, shown=None))
    await asyncio.sleep(0.1)
    await state.votes.vote(A, parse_item(item, TODAY), "slack:U2", Vote.LIKE)  # another replica's click
    second = await votes.cast(A, "slack:U1", dislike, shown=None)  # U1 changes their mind
    await first
    assert second.counted
    assert await state.votes.mine(A, "2510.40001", "slack:U1") is Vote.DISLIKE  # the last click wins
