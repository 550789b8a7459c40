"""Reading when to come back from every rate-limit header form (bot.source.rate_limit)."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest

from bot.source.rate_limit import MAX_SERVER_WAIT, server_wait

NOW = 1_760_000_000.0  # 2025-10-09 08:53:20 UTC
HF_POLICY = {"RateLimit-Policy": '"fixed window";"api";q=500;w=300'}


def wait(status: int, headers: dict[str, str]) -> float | None:
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
        (429, {"Retry-After": formatdate(NOW - 60, usegmt=True)}, 0),  # already past: now
        (429, {"Retry-After": "5", "RateLimit": '"api";r=0;t=12'}, 5),  # Retry-After wins
        (429, {"Retry-After": "soon", "RateLimit": '"api";r=0;t=12'}, 12),  # ... when it is valid
        (200, {"Retry-After": "12"}, None),  # means nothing on a success
        (503, {"RateLimit": '"api";r=4;t=12'}, None),  # a 503 is not a rate limit unless it says so
        (429, {}, None),
    ],
)
def test_every_header_form(status: int, headers: dict[str, str], expected: float | None) -> None:
    assert wait(status, headers) == expected


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
        {"Retry-After": "12, 13"},
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
