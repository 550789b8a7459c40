"""Reading when to come back from every rate-limit header form (bot.source.rate_limit)."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.source.rate_limit import MAX_SERVER_WAIT, policy_window, server_wait

NOW = 1_760_000_000.0  # 2025-10-09 08:53:20 UTC
HF_POLICY = {"RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
Headers = dict[str, str] | list[tuple[str, str]] | list[tuple[bytes, bytes]]


def wait(status: int, headers: Headers) -> float | None:
    """`headers` as a dict, or as pairs: a field sent twice, or raw bytes as they come off the wire."""
    return server_wait(status, httpx.Headers(headers), NOW)


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        # Hugging Face's own answer, and the structured RateLimit field in its other spellings
        (429, {"RateLimit": '"api";r=0;t=12', **HF_POLICY}, 12),
        (429, {"ratelimit": '"api";t=12;r=0'}, 12),  # parameters in any order, any header case
        (429, {"RateLimit": '  "api"; r=0; t=12  '}, 12),  # whitespace SF allows
        (429, {"RateLimit": '"burst";r=3;t=1, "api";r=0;t=40'}, 40),  # the used-up policy counts
        (429, {"RateLimit": '"burst";r=0;t=2, "api";r=0;t=40'}, 40),  # the latest of the used-up
        (429, {"RateLimit": '"api";r=3;t=7'}, 7),  # refused, no policy used up: the latest reset
        (429, {"RateLimit": '"api";r=0;t=1.5'}, 1.5),
        (429, {"RateLimit": '"api";r=0;t=12, ??broken'}, 12),  # a malformed member is skipped
        (200, {"RateLimit": '"api";r=0;t=12', **HF_POLICY}, 12),  # at the limit: wait before the next
        (200, {"RateLimit": '"api";r=5;t=12', **HF_POLICY}, None),  # quota left: no wait
        # the older drafts' forms
        (429, {"RateLimit": "limit=10, remaining=0, reset=7"}, 7),
        (200, {"RateLimit": "limit=10, remaining=0, reset=7"}, 7),
        (200, {"RateLimit": "limit=10, remaining=4, reset=7"}, None),
        (429, {"RateLimit-Limit": "10", "RateLimit-Remaining": "0", "RateLimit-Reset": "9"}, 9),
        (200, {"RateLimit-Remaining": "0", "RateLimit-Reset": "9"}, 9),
        # X-RateLimit-*: reset as a delay, a Unix time (GitHub), a Unix time in ms; Reset-After
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"}, 20),
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 25)}, 25),
        (429, {"X-Rate-Limit-Reset": str(int(NOW * 1000) + 4000)}, 4),
        (429, {"X-RateLimit-Reset-After": "2.5"}, 2.5),
        (200, {"X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "20"}, None),
        # Retry-After: seconds or an HTTP-date in each of its three forms; 429 and 5xx
        (429, {"Retry-After": "12"}, 12),
        (503, {"Retry-After": " 3 "}, 3),
        (500, {"Retry-After": "4"}, 4),
        (429, {"Retry-After": formatdate(NOW + 30, usegmt=True)}, 30),
        (503, {"Retry-After": "Thursday, 09-Oct-25 08:54:00 GMT"}, 40),  # RFC 850
        (503, {"Retry-After": "Thu Oct  9 08:54:00 2025"}, 40),  # asctime
        (429, {"Retry-After": "5", "RateLimit": '"api";r=0;t=12'}, 5),  # Retry-After wins
        (429, {"Retry-After": "soon", "RateLimit": '"api";r=0;t=12'}, 12),  # ... when it is valid
        (200, {"Retry-After": "12"}, None),  # means nothing on a success
        (503, {"RateLimit": '"api";r=4;t=12'}, None),  # a 503 is not a rate limit unless it says so
        (429, {}, None),
    ],
)
def test_every_header_form(status: int, headers: dict[str, str], expected: float | None) -> None:
    assert wait(status, headers) == expected


DATE_40 = formatdate(NOW + 40, usegmt=True)


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        # a field sent twice: httpx joins the lines ("40, 40"), as a proxy may; the latest moment counts
        (429, [("Retry-After", "40"), ("Retry-After", "40")], 40),
        (429, [("Retry-After", "5"), ("Retry-After", "40")], 40),
        (429, {"Retry-After": "40, 40"}, 40),
        (429, {"Retry-After": "soon, 40"}, 40),  # an invalid member is skipped
        (429, [("Retry-After", DATE_40), ("Retry-After", DATE_40)], 40),  # the dates' own commas
        (429, [("Retry-After", "0"), ("RateLimit", '"api";r=0;t=40')], 40),  # now is no moment ahead
        (
            200,
            [
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", "40"),
                ("X-RateLimit-Reset", "40"),
            ],
            40,
        ),
        (200, {"X-RateLimit-Remaining": "3, 0", "X-RateLimit-Reset": "20, 40"}, 40),  # lowest quota
        (429, [("RateLimit-Reset", "40"), ("RateLimit-Reset", "40")], 40),
        (429, [("RateLimit", '"api";r=0;t=40'), ("RateLimit", '"api";r=0;t=40')], 40),
        # parameters in uppercase (SF keys are lowercase, RFC 9651 §3.1.2): read all the same
        (429, {"RateLimit": '"api";R=0;T=40'}, 40),
        (200, {"RateLimit": '"api";R=0;T=40'}, 40),
        (200, {"RateLimit": '"API";r=0;T=40, "burst";R=5;t=1'}, 40),
        (200, {"RateLimit": "Limit=10, Remaining=0, Reset=40"}, 40),
        (429, {"RateLimit": '"api"; r = 0; t = 40'}, 40),  # spaces around "="
        (429, {"RateLimit": "r=0;t=40"}, 40),  # no policy name: a Dictionary in SF terms
        # a reset written as an HTTP-date or an ISO 8601 date-time
        (200, {"RateLimit-Remaining": "0", "RateLimit-Reset": DATE_40}, 40),
        (429, {"X-RateLimit-Reset": DATE_40}, 40),
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2025-10-09T08:54:00Z"}, 40),
        (429, {"X-RateLimit-Reset": "2025-10-09T10:54:00+02:00"}, 40),
        # a byte HTTP does not define: no crash, the other members and headers still count
        (429, [(b"RateLimit", '"api";r=0;t=40 \u20ac'.encode())], 40),  # UTF-8 on the wire
        (429, [(b"RateLimit", b'"api";r=0;t=40 \xff\x81')], 40),  # not UTF-8: read as Latin-1
        (429, [(b"RateLimit", "\u0100;\u20ac".encode()), (b"X-RateLimit-Reset", b"40")], 40),
        (429, [(b"RateLimit", b'"\xff";r=0;t=40, "api";r=0;t=20'), (b"Retry-After", b"soon")], 40),
        (429, [(b"X-Note", "\u20ac".encode()), (b"Retry-After", b"40")], 40),
        # used up, no reset given: RateLimit-Policy's window bounds the reset
        (429, {"RateLimit": '"api";r=0', **HF_POLICY}, 300),
        (200, {"RateLimit": '"api";r=0', **HF_POLICY}, 300),
        (200, {"RateLimit": '"api";r=0', "RateLimit-Policy": '"api";q=100;w=60'}, 60),
        (200, {"RateLimit": '"burst";r=0', "RateLimit-Policy": '"burst";q=10;w=5, "api";q=500;w=60'}, 5),
        (200, {"RateLimit": '"x";r=0', "RateLimit-Policy": '"burst";q=10;w=5, "api";q=500;w=60'}, 60),
        (200, {"RateLimit": "limit=10, remaining=0", "RateLimit-Policy": "10;w=30"}, 30),  # drafts -03+
        (200, {"X-RateLimit-Remaining": "0", **HF_POLICY}, 300),
        (429, {"RateLimit": '"api";r=0', "RateLimit-Policy": '"api";q=1;w=86400'}, MAX_SERVER_WAIT),
        (200, {"RateLimit": '"api";r=3', **HF_POLICY}, None),  # quota left: no wait
        (200, HF_POLICY, None),  # the policy alone says nothing about now
    ],
)
def test_header_forms_read_leniently(status: int, headers: Headers, expected: float | None) -> None:
    """The forms a strict reading missed (review of issue 10 kind 3): each used to give None."""
    assert wait(status, headers) == expected


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "0"},
        {"Retry-After": "0.0"},
        {"Retry-After": formatdate(NOW - 60, usegmt=True)},
        {"Retry-After": formatdate(NOW, usegmt=True)},
        {"RateLimit": '"api";r=0;t=0', **HF_POLICY},
        {"RateLimit": "limit=10, remaining=0, reset=0"},
        {"RateLimit-Remaining": "0", "RateLimit-Reset": "0"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) - 5)},  # a Unix time past
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": formatdate(NOW - 5, usegmt=True)},
        {"Retry-After": "0", "RateLimit": '"api";r=0;t=0'},
    ],
)
def test_a_moment_now_or_past_is_no_wait(headers: dict[str, str]) -> None:
    """ "Come back now" names no moment ahead: None, so that the client's own wait applies (a 429
    then still holds it back; see test_hf_rate_limits.py) instead of a 0 s wait, repeated."""
    assert wait(429, headers) is None
    assert wait(503, headers) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (HF_POLICY, 300),
        ({"RateLimit-Policy": '"burst";q=10;w=5, "api";q=500;w=60'}, 60),
        ({"RateLimit-Policy": '"api";Q=500;W=60'}, 60),
        ({"RateLimit-Policy": '"api";q=500;w=0'}, None),
        ({"RateLimit": '"api";r=0;t=5'}, None),
    ],
)
def test_policy_window(headers: dict[str, str], expected: float | None) -> None:
    assert policy_window(httpx.Headers(headers)) == expected


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "86400"},
        {"Retry-After": "Fri, 31 Dec 2999 23:59:59 GMT"},
        {"RateLimit": '"api";r=0;t=999999'},
        {"RateLimit": "limit=1, remaining=0, reset=86400"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 7 * 86400)},
        {"X-RateLimit-Reset": "9999999999999"},  # a Unix time in ms, centuries ahead
    ],
)
def test_huge_waits_are_capped(headers: dict[str, str]) -> None:
    assert wait(429, headers) == MAX_SERVER_WAIT


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "-5"},
        {"Retry-After": "soon"},
        {"Retry-After": ""},
        {"Retry-After": "nan"},
        {"Retry-After": "inf"},
        {"Retry-After": "1e999"},
        {"Retry-After": "Wed, 99 Oct 2025 07:28:00 GMT"},
        {"Retry-After": "Wed, 21 Oct 99999 07:28:00 GMT"},
        {"RateLimit": '"api";r=0;t=-3'},
        {"RateLimit": '"api";r=0;t="12"'},
        {"RateLimit": '"api";r=0;t=?1'},
        {"RateLimit": '"api";r=0;t=99999999999999999'},  # longer than an SF integer may be
        {"RateLimit": "garbage;;"},
        {"RateLimit": '"api";r=0'},  # no reset time
        {"RateLimit": "\x01\x7f"},
        {"RateLimit": "limit=1, remaining=0, reset=-4"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "nan"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "-1"},
        {"RateLimit-Remaining": "0", "RateLimit-Reset": "tomorrow"},
    ],
)
def test_malformed_values_are_ignored(headers: dict[str, str]) -> None:
    assert wait(429, headers) is None
    assert wait(200, headers) is None


FIELDS = [b"Retry-After", b"RateLimit", b"RateLimit-Policy", b"RateLimit-Reset", b"RateLimit-Remaining",
          b"X-RateLimit-Reset", b"X-RateLimit-Remaining", b"X-Rate-Limit-Reset-After"]  # fmt: skip
NEAR_MISSES = st.lists(st.sampled_from(list(b'0123456789;,=" .-+:tTrRwW?*%\xff\x80\xe2\x82\xac\x7f\x01')))


@given(
    st.sampled_from([200, 429, 503]),
    st.lists(st.tuples(st.sampled_from(FIELDS), st.binary(max_size=40) | NEAR_MISSES.map(bytes)), max_size=4),
)
@settings(max_examples=300, deadline=None)
def test_any_bytes_give_a_wait_in_range_or_none(status: int, pairs: list[tuple[bytes, bytes]]) -> None:
    """Whatever bytes a server sends in these fields: no exception, and a wait in (0, cap] or None."""
    found = wait(status, pairs)
    assert found is None or 0 < found <= MAX_SERVER_WAIT
    window = policy_window(httpx.Headers(pairs))
    assert window is None or window > 0
