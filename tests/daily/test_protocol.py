"""The engine and the Lua scripts speak the same words, and the retry policy keeps its bounds.

The CLAIM replies and FINISH outcomes are enums in Python and bare strings in Lua: a word added or
renamed on one side only would be a reply the engine cannot read, or an outcome the script ignores.
"""

from __future__ import annotations

import random
import re

import pytest

from bot.daily.claims import ClaimReply, ClaimResult
from bot.daily.retry import RetryPolicy
from bot.daily.sending import Outcome
from bot.store import scripts


def test_every_claim_reply_of_the_script_is_known_and_every_known_one_is_given() -> None:
    given = set(re.findall(r"return '([a-z]+)", scripts.CLAIM.source))
    assert given == {reply.value for reply in ClaimReply}


def test_every_outcome_is_one_the_finish_script_handles() -> None:
    handled = set(re.findall(r"'([a-z]+)'", scripts.FINISH.source))
    assert {outcome.value for outcome in Outcome} <= handled


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("claimed 2 40 a b ", ClaimResult(ClaimReply.CLAIMED, attempt=2, checked=40, ids=("a", "b"))),
        ("claimed 1 7 ", ClaimResult(ClaimReply.CLAIMED, attempt=1, checked=7)),  # a "nothing new" line
        ("recover 3 a b", ClaimResult(ClaimReply.RECOVER, attempt=3, ids=("a", "b"))),
        ("wait 1760000000", ClaimResult(ClaimReply.WAIT, retry_at=1760000000.0)),
        ("busy engine-2", ClaimResult(ClaimReply.BUSY)),
        ("done sent", ClaimResult(ClaimReply.DONE)),
        ("gone", ClaimResult(ClaimReply.GONE)),
    ],
)
def test_claim_replies_parse(reply: str, expected: ClaimResult) -> None:
    assert ClaimResult.parse(reply) == expected


def test_an_unknown_claim_reply_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="not a CLAIM reply"):
        ClaimResult.parse("claimd 1 2 a")


def test_backoff_doubles_within_equal_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(base=60.0, cap=900.0, max_attempts=4)
    random.seed(7)
    for attempt, ceiling in [(1, 60.0), (2, 120.0), (3, 240.0), (4, 480.0), (5, 900.0), (9, 900.0)]:
        delays = [policy.delay(attempt, None) for _ in range(200)]
        assert ceiling / 2 <= min(delays) and max(delays) <= ceiling


def test_the_platforms_wait_is_honoured_within_one_second_and_the_cap() -> None:
    policy = RetryPolicy(base=60.0, cap=900.0, max_attempts=4)
    assert policy.delay(1, 30.0) == 30.0
    assert policy.delay(1, 0.0) == 1.0
    assert policy.delay(1, 5000.0) == 900.0


def test_gives_up_after_the_last_attempt() -> None:
    policy = RetryPolicy(base=60.0, cap=900.0, max_attempts=3)
    assert [policy.gives_up(a) for a in (1, 2, 3, 4)] == [False, False, True, True]
