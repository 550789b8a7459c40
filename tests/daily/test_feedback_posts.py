"""The daily post follows each channel's votes (issue 12): the same ranking as `/papers`, per channel."""

from __future__ import annotations

from bot.daily import DailyEngine
from bot.ranking import rank
from bot.store import ChannelRef, State
from bot.store.votes import Vote
from tests.daily.conftest import TODAY, at, serve
from tests.factories import make_paper
from tests.fakes.hf import FakeHF
from tests.fakes.platform import Sink

VOTED = ChannelRef("slack", "T1", "C1")
QUIET = ChannelRef("slack", "T1", "C2")

ROBOTS = "robot manipulation policy learned from demonstrations with a dexterous gripper and tactile sensing"
IMAGES = "text-to-image diffusion model with a faster sampler for high resolution image generation"


def day_of_two_subjects() -> list:
    """Ten papers, robot learning and image diffusion alternating down the upvotes."""
    papers = []
    for i in range(10):
        subject, words = ("Robot", ROBOTS) if i % 2 else ("Diffusion", IMAGES)
        papers.append(
            make_paper(
                f"2510.15{i:03d}",
                day=TODAY,
                upvotes=100 - i,
                title=f"{subject} paper {i}: {words.split(' with ')[0]}",
                abstract=f"We present a {words}. Variant {i} improves results.",
            )
        )
    return papers


async def test_a_channel_that_liked_a_robot_paper_gets_robot_papers_first(
    state: State, fake_hf: FakeHF, engine: DailyEngine, sink: Sink
) -> None:
    papers = day_of_two_subjects()
    serve(fake_hf, {TODAY: papers})
    for channel in (VOTED, QUIET):
        await state.subscriptions.configure(channel, by="u", top=3, post_time="09:00", timezone="UTC")
    await state.votes.vote(VOTED, papers[1], "U1", Vote.LIKE)  # a robot paper
    await state.votes.vote(VOTED, papers[0], "U2", Vote.DISLIKE)  # an image paper

    await engine.run_due(at(TODAY, 9, 30), sink)

    posts = {d.channel: [e.paper.id for e in d.digest.entries] for d in sink.sent}
    profile = (await state.votes.profiles([VOTED]))[VOTED]
    now = at(TODAY, 9, 30)
    expected = [r.paper.id for r in rank(papers, now=now, profile=profile)]
    assert posts[QUIET] == [p.id for p in papers[:3]]  # by upvotes, as before votes existed
    assert posts[VOTED] == expected[:3]  # the ranking /papers shows this channel
    titles = {p.id: p.title for p in papers}
    assert all(titles[pid].startswith("Robot") for pid in posts[VOTED])


def test_a_pass_over_many_voted_channels_keeps_a_bounded_number_of_their_rankings() -> None:
    from bot.daily.pool import VOTED_RANKINGS_KEPT, Pool
    from bot.ranking.feedback import FeedbackExample, FeedbackProfile

    papers = day_of_two_subjects()
    now = at(TODAY, 9, 30)
    pool = Pool(papers=papers, day=TODAY, now=now)
    profiles = [
        FeedbackProfile((FeedbackExample(papers[i % 10].id, f"Robot arm {i}", ROBOTS, 1),))
        for i in range(400)
    ]
    first = [r.paper.id for r in pool.ranking((), profiles[0])]
    for profile in profiles:  # every voted channel of a pass is ranked on its own
        pool.ranking((), profile)
        pool.candidates((), 3, profile)
        pool.lookup((), [papers[0].id], profile)
        pool.ranking(("diffusion",), profile)
    voted = [k for k in (*pool.ranked, *pool.index, *pool.packed) if k[1] is not None]
    assert len(voted) <= 3 * VOTED_RANKINGS_KEPT < 400  # not every voted channel's ranking till the end
    assert [r.paper.id for r in pool.ranking((), profiles[0])] == first  # ranked again, the same
    assert [r.paper.id for r in pool.ranking(())] == [p.id for p in papers]  # shared rankings stay
