"""Item 8: the Slack HTTP endpoint under abuse (issue 14).

The real app (adapters.slack.runtime, HTTP mode) on a free port, with short timeouts so the
timeout tests run fast: every malformed kind of request gets a 4xx and no traceback, every size
limit holds before the body is read, stalled and idle clients are hung up on, the connection cap
makes room, refusals are logged as short rate-limited lines, and Hypothesis posts random
requests, signed and unsigned, which never get a 5xx or a traceback. Requests go over raw
sockets, so the tests choose every byte (an HTTP client library would fix the framing).
bench/abuse.py measures the same endpoint under a flood.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from adapters.slack.runtime import Runtime
from adapters.slack.screening import MAX_BODY, BodyBudget
from bot.commands.payloads import MORE_ACTION, POST_ACTION
from bot.observability.logs import MAX_LINE, RedactSecrets
from bot.observability.refusals import Refusal
from bot.observability.server import MAX_HEAD
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import signature_headers
from tests.faults.conftest import Figures
from tests.faults.test_hostile_commands import run_seed

READ_TIMEOUT = 0.5
IDLE_TIMEOUT = 1.0
PATH = "/slack/events"

pytestmark = [
    pytest.mark.faults,
    pytest.mark.slack_overrides(
        http_read_timeout_seconds=READ_TIMEOUT,
        http_idle_timeout_seconds=IDLE_TIMEOUT,
        http_max_connections=16,
    ),
]


@pytest.fixture
def log_records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()[:200]}"
        for r in caplog.records
        if r.exc_info or r.exc_text or "Traceback" in r.getMessage()
    ]


# ---------------------------------------------------------------- raw HTTP


def request(
    body: bytes = b"",
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    *,
    method: str = "POST",
    path: str = PATH,
    content_type: str | None = "application/x-www-form-urlencoded",
    length: bool = True,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: bot"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    if length:
        lines.append(f"Content-Length: {len(body)}")
    items = headers.items() if isinstance(headers, dict) else headers or []
    lines += [f"{k}: {v}" for k, v in items]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def signed(body: bytes, extra: dict[str, str] | None = None, **kwargs: Any) -> bytes:
    return request(body, signature_headers(body) | (extra or {}), **kwargs)


async def exchange(port: int, raw: bytes, *, within: float = 5.0) -> tuple[int, bytes]:
    """Send `raw` on a new connection; (status, body) of the answer, (0, b"") if none came."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        async with asyncio.timeout(within):
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
        return status, body
    except (asyncio.IncompleteReadError, ConnectionError):
        return 0, b""
    finally:
        writer.transport.abort()


async def closed_after(port: int, raw: bytes, *, within: float = 10.0) -> float:
    """Seconds until the bot hung up on a client that sent `raw` and then nothing."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    try:
        if raw:
            writer.write(raw)
        async with asyncio.timeout(within):
            while await reader.read(65536):
                pass
    except ConnectionError:
        pass
    finally:
        writer.transport.abort()
    return time.monotonic() - started


def command_body(fake: FakeSlack, name: str, text: str = "help") -> bytes:
    return urlencode(
        {"command": "/papers", "text": text, "team_id": "T1", "channel_id": "C1", "user_id": "U1",
         "trigger_id": f"trigger.{name}.{time.monotonic_ns()}", "response_url": fake.response_url(name)}
    ).encode()  # fmt: skip


def payload_body(payload: Any) -> bytes:
    return b"payload=" + quote(json.dumps(payload)).encode()


# ---------------------------------------------------------------- malformed kinds


def malformed(fake: FakeSlack) -> dict[str, tuple[bytes, int]]:
    """name -> (raw request, the status it must get). None of them may be answered or logged with
    a traceback."""
    now = str(int(time.time()))
    cmd = command_body(fake, "malformed")
    block_actions = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "channel": {"id": "C1"},
                     "response_url": fake.response_url("malformed"), "actions": [{"action_id": "papers_more"}]}  # fmt: skip
    nested = b"[" * 100_000 + b"]" * 100_000
    cases: dict[str, tuple[bytes, int]] = {
        # bodies (signed: only the shape is wrong)
        "json_not_json": (signed(b'{"type": "block_actions", broken'), 400),
        "json_not_json_unsigned": (request(b'{"type": broken'), 401),
        "payload_not_json": (signed(b"payload=%7Bbroken"), 400),
        "payload_not_json_unsigned": (request(b"payload=%7Bbroken"), 401),
        "payload_a_list": (signed(payload_body([1, 2])), 400),
        "payload_a_number": (signed(payload_body(5)), 400),
        "payload_a_string": (signed(payload_body("x")), 400),
        "payload_null": (signed(payload_body(None)), 400),
        "json_body_a_list": (signed(b"[1, 2]", content_type="application/json"), 400),
        "deeply_nested_json": (signed(nested, content_type="application/json"), 400),
        "huge_int_in_json": (signed(b'{"type": ' + b"9" * 5000 + b"}", content_type="application/json"), 400),
        "actions_empty": (signed(payload_body(block_actions | {"actions": []})), 400),
        "actions_not_a_list": (signed(payload_body(block_actions | {"actions": {"a": 1}})), 400),
        "action_without_id": (signed(payload_body(block_actions | {"actions": [{"value": "x"}]})), 400),
        "user_a_number": (signed(payload_body(block_actions | {"user": 5})), 400),
        "team_a_list": (signed(payload_body(block_actions | {"team": [1]})), 400),
        "event_a_string": (signed(payload_body({"type": "event_callback", "event": "x"})), 400),
        "event_null": (signed(b'{"event": null}', content_type="application/json"), 400),  # found by the fuzz
        "view_null": (signed(payload_body({"type": "view_submission", "view": None})), 400),
        "event_tokens_null": (signed(payload_body({"type": "event_callback", "event": {"type": "tokens_revoked", "tokens": None}})), 400),
        "view_a_number": (signed(payload_body({"type": "view_submission", "view": 7})), 400),
        "response_url_a_number": (signed(payload_body(block_actions | {"response_url": 1})), 400),
        "authorizations_of_strings": (signed(payload_body(block_actions | {"authorizations": ["x"]})), 400),
        "command_without_channel": (signed(cmd.replace(b"channel_id=C1", b"channel_id=")), 400),  # found by the fuzz
        "command_response_url_not_a_url": (signed(cmd.replace(b"response_url=http", b"response_url=ftp")), 400),
        "click_without_channel": (signed(payload_body(block_actions | {"channel": None})), 400),
        "invalid_utf8": (signed(b"text=\xff\xfe\xfa"), 400),
        "invalid_utf8_unsigned": (request(b"text=\xff\xfe\xfa" + b"x" * 300), 401),
        # headers
        "timestamp_5000_digits": (request(cmd, {"X-Slack-Request-Timestamp": "1" * 5000, "X-Slack-Signature": "v0=" + "0" * 64}), 401),
        "timestamp_not_ascii_digits": (request(cmd, {"X-Slack-Request-Timestamp": "１７００００００００", "X-Slack-Signature": "v0=" + "0" * 64}), 401),
        "timestamp_negative": (request(cmd, {"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": "v0=" + "0" * 64}), 401),
        "timestamp_float": (request(cmd, signature_headers(cmd, timestamp=now + ".5")), 401),
        "signature_upper_hex": (request(cmd, signature_headers(cmd) | {"X-Slack-Signature": signature_headers(cmd)["X-Slack-Signature"].upper()}), 401),
        "signature_short": (request(cmd, signature_headers(cmd) | {"X-Slack-Signature": "v0=abc"}), 401),
        "no_signature": (request(cmd, {"X-Slack-Request-Timestamp": now}), 401),
        "no_timestamp": (request(cmd, {"X-Slack-Signature": signature_headers(cmd)["X-Slack-Signature"]}), 401),
        "signature_twice": (request(cmd, [*signature_headers(cmd).items(), ("X-Slack-Signature", signature_headers(cmd)["X-Slack-Signature"])]), 400),
        "timestamp_twice": (request(cmd, [*signature_headers(cmd).items(), ("X-Slack-Request-Timestamp", now)]), 400),
        "content_type_twice": (request(cmd, [*signature_headers(cmd).items(), ("Content-Type", "application/json")]), 400),
        "huge_header_value": (request(cmd, signature_headers(cmd) | {"X-Padding": "a" * 20_000}), 431),
        "many_headers": (request(cmd, signature_headers(cmd) | {f"X-H{i}": "v" for i in range(300)}), 400),
        "content_type_text_plain": (signed(cmd, content_type="text/plain"), 415),
        "content_type_multipart": (signed(cmd, content_type="multipart/form-data; boundary=x"), 415),
        "content_type_missing": (signed(cmd, content_type=None), 415),
        "content_type_garbage": (signed(cmd, content_type=";;;==="), 415),
        "charset_latin1": (signed(cmd, content_type="application/x-www-form-urlencoded; charset=latin-1"), 415),
        "gzip_encoding": (signed(cmd, {"Content-Encoding": "gzip"}), 415),
        "content_length_not_a_number": (request(cmd, signature_headers(cmd), length=False).replace(b"Host: bot", b"Host: bot\r\nContent-Length: 12x"), 400),
        "content_length_twice": (request(cmd, [*signature_headers(cmd).items(), ("Content-Length", str(len(cmd) + 1))]), 400),
        "length_and_chunked": (request(cmd, signature_headers(cmd) | {"Transfer-Encoding": "chunked"}), 400),
        "bad_chunks": (request(b"zz\r\nnot a chunk\r\n", signature_headers(b"x") | {"Transfer-Encoding": "chunked"}, length=False), 400),
        "garbage_request_line": (b"HELLO THERE\r\n\r\n", 400),
        "not_http": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, 400),
        "bad_header_line": (request(cmd, signature_headers(cmd)).replace(b"Host: bot", b"Host: bot\r\nno colon here"), 400),
        "header_with_nul": (request(cmd, signature_headers(cmd) | {"X-A": "a\x00b"}), 400),
        # methods and paths
        "get": (request(method="GET", content_type=None), 405),
        "put": (signed(cmd, method="PUT"), 405),
        "delete": (request(method="DELETE", content_type=None), 405),
        "options": (request(method="OPTIONS", content_type=None), 405),
        "trailing_slash": (signed(cmd, path=PATH + "/"), 404),
        "upper_case_path": (signed(cmd, path=PATH.upper()), 404),
        "dot_dot_path": (signed(cmd, path="/slack/../etc/passwd"), 404),
        "long_path": (signed(cmd, path=PATH + "?" + "a" * 10_000), 400),
        "query_garbage": (signed(command_body(fake, "query"), path=PATH + "?%%%&&==%zz"), 200),  # a real command
        # Slack's own requests, done wrong
        "url_encoded_garbage": (signed(b"%%%&&&===%zz%"), 404),
        "ssl_check_0_unsigned": (request(b"ssl_check=0&token=x"), 401),
        "url_verification_unsigned": (request(b'{"type": "url_verification", "challenge": "c"}', content_type="application/json"), 401),
    }  # fmt: skip
    return cases


async def test_every_malformed_kind_gets_a_4xx_and_no_traceback(
    slack: Runtime, fake_slack: FakeSlack, log_records: pytest.LogCaptureFixture, figures: Figures
) -> None:
    assert slack.port is not None
    got: dict[str, int] = {}
    cases = malformed(fake_slack)
    for name, (raw, _) in cases.items():
        got[name] = (await exchange(slack.port, raw))[0]
    expected = {name: status for name, (_, status) in cases.items()}
    figures.add("item8 malformed requests", kinds=len(cases), statuses=sorted(set(got.values())),
                tracebacks=len(tracebacks(log_records)))  # fmt: skip
    assert got == expected
    assert tracebacks(log_records) == []
    await fake_slack.wait_for(lambda: fake_slack.responses_to("query"))
    assert {name for name, _ in fake_slack.responses} == {"query"}  # nothing else was answered


async def test_slacks_own_requests_still_work(slack: Runtime, fake_slack: FakeSlack) -> None:
    """ssl_check (unsigned, as Bolt accepts it), url_verification, a chunked body, garbage retry
    headers and a query string: answered as Slack expects."""
    assert slack.port is not None
    assert (await exchange(slack.port, request(b"ssl_check=1&token=x")))[0] == 200
    challenge = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    status, body = await exchange(slack.port, signed(challenge, content_type="application/json"))
    assert status == 200 and json.loads(body) == {"challenge": "c-123"}
    cmd = command_body(fake_slack, "chunked")
    chunked = f"{len(cmd):x}\r\n".encode() + cmd + b"\r\n0\r\n\r\n"
    raw = request(chunked, signature_headers(cmd) | {"Transfer-Encoding": "chunked"}, length=False)
    assert (await exchange(slack.port, raw))[0] == 200
    retry = command_body(fake_slack, "retry")
    raw = signed(
        retry, {"X-Slack-Retry-Num": "-99999999999999999999x", "X-Slack-Retry-Reason": "garbage " * 50}
    )
    assert (await exchange(slack.port, raw))[0] == 200
    raw = signed(retry, {"X-Slack-Retry-Num": "\x01\x7f"})  # control characters: not HTTP
    assert (await exchange(slack.port, raw))[0] == 400
    await fake_slack.wait_for(lambda: fake_slack.responses_to("chunked") and fake_slack.responses_to("retry"))


# ---------------------------------------------------------------- size limits


async def test_a_body_over_the_limit_is_refused_from_its_content_length(slack: Runtime) -> None:
    """413 comes back before a single byte of the body is sent, signed or not."""
    assert slack.port is not None
    for headers in ({}, signature_headers(b"x")):
        head = request(b"", headers, length=False).replace(
            b"Host: bot", f"Host: bot\r\nContent-Length: {MAX_BODY + 1}".encode()
        )
        assert (await exchange(slack.port, head))[0] == 413  # fmt: skip


async def test_a_chunked_body_over_the_limit_is_refused(slack: Runtime) -> None:
    assert slack.port is not None
    piece = b"a" * 65536
    chunks = b"".join(
        f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for _ in range(MAX_BODY // len(piece) + 2)
    )
    raw = request(
        chunks + b"0\r\n\r\n", signature_headers(b"x") | {"Transfer-Encoding": "chunked"}, length=False
    )
    assert (await exchange(slack.port, raw))[0] == 413


async def test_a_head_over_the_limit_is_refused(slack: Runtime) -> None:
    assert slack.port is not None
    raw = request(b"x", {"X-Padding-A": "a" * 8000, "X-Padding-B": "b" * 8000, "X-Padding-C": "c" * 8000})
    assert len(raw) > MAX_HEAD
    assert (await exchange(slack.port, raw))[0] == 431


async def test_the_largest_command_slack_can_send_fits(slack: Runtime, fake_slack: FakeSlack) -> None:
    """40,000 characters (Slack's message limit), each a 4-byte UTF-8 sequence percent-encoded to
    12 bytes: 480 KB, answered like any command."""
    assert slack.port is not None
    body = command_body(fake_slack, "largest", text="help " + "😀" * 39_995)
    assert 480_000 < len(body) < MAX_BODY
    assert (await exchange(slack.port, signed(body)))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.responses_to("largest"))


def test_the_body_budget_refuses_large_bodies_beyond_it_not_small_ones() -> None:
    budget = BodyBudget(limit=100_000, small=1_000)
    assert budget.reserve(500) == 0  # small bodies are not counted
    first = budget.reserve(60_000)
    with pytest.raises(Refusal) as refused:
        budget.reserve(60_000)
    assert refused.value.status == 503 and refused.value.kind == "busy"
    assert budget.reserve(900) == 0  # a real command still goes through
    budget.release(first)
    budget.release(budget.reserve(60_000))
    assert budget.in_use == 0


# ---------------------------------------------------------------- timeouts and the cap


async def test_stalled_clients_are_hung_up_on(slack: Runtime) -> None:
    """Half the headers; a Content-Length of 4000 and 100 bytes (prescreened, small); a large
    body that stops (read by the handler); headers sent a byte at a time: each is closed about
    READ_TIMEOUT after its first byte (the sweep runs every READ_TIMEOUT / 5)."""
    assert slack.port is not None
    port = slack.port
    head = request(b"", signature_headers(b"x"), length=False)
    half_headers = head[:40]
    small_stall = head.replace(b"Host: bot", b"Host: bot\r\nContent-Length: 4000") + b"x" * 100
    large_stall = head.replace(b"Host: bot", b"Host: bot\r\nContent-Length: 100000") + b"x" * 100
    held = await asyncio.gather(
        closed_after(port, half_headers), closed_after(port, small_stall), closed_after(port, large_stall)
    )

    async def trickle() -> float:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        try:
            for byte in head:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.05)
        except ConnectionError:
            return time.monotonic() - started
        finally:
            writer.transport.abort()
        return time.monotonic() - started

    held.append(await trickle())
    assert all(READ_TIMEOUT * 0.9 <= h <= READ_TIMEOUT * 2 + 0.5 for h in held), held


async def test_idle_connections_are_closed_after_the_idle_timeout(
    slack: Runtime, fake_slack: FakeSlack
) -> None:
    assert slack.port is not None
    assert IDLE_TIMEOUT * 0.9 <= await closed_after(slack.port, b"") <= IDLE_TIMEOUT + 1.0
    # and after a request on a kept-alive connection
    reader, writer = await asyncio.open_connection("127.0.0.1", slack.port)
    writer.write(signed(command_body(fake_slack, "keepalive")))
    assert b" 200 " in await reader.readline()
    started = time.monotonic()
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        async with asyncio.timeout(5):
            while await reader.read(65536):
                pass
            raise ConnectionResetError
    writer.transport.abort()
    assert IDLE_TIMEOUT * 0.9 <= time.monotonic() - started <= IDLE_TIMEOUT + 1.0


async def test_the_connection_cap_makes_room_for_a_real_request(
    slack: Runtime, fake_slack: FakeSlack, figures: Figures
) -> None:
    """16 connections (the cap here) that never send a whole request; a real one still gets in."""
    assert slack.port is not None and slack.server is not None and slack.server.guard is not None
    stalled = [await asyncio.open_connection("127.0.0.1", slack.port) for _ in range(16)]
    for _, writer in stalled:
        writer.write(b"POST /slack/ev")
    await asyncio.sleep(READ_TIMEOUT / 5 + 0.05)  # old enough to make room
    assert len(slack.server.guard) == 16
    status, _ = await exchange(slack.port, signed(command_body(fake_slack, "over-cap")))
    await fake_slack.wait_for(lambda: fake_slack.responses_to("over-cap"))
    figures.add("item8 connection cap", cap=16, stalled=16, real_request_status=status)
    assert status == 200
    assert len(slack.server.guard) <= 16
    for _, writer in stalled:
        writer.transport.abort()


# ---------------------------------------------------------------- logs


def refused_count(kind: str) -> float:
    return REGISTRY.get_sample_value("papers_http_refused_total", {"kind": kind}) or 0.0


async def test_a_flood_of_forged_requests_writes_a_few_short_lines(
    slack: Runtime, log_records: pytest.LogCaptureFixture, figures: Figures
) -> None:
    """200 forged requests with a marked body: 200 counted, at most the burst logged one by one,
    one summary for the rest; no line holds the body or is long."""
    assert slack.port is not None and slack.server is not None
    before = refused_count("bad_signature")
    marker = "BODY-MARKER-" * 20
    body = f"text={marker}".encode()
    for _ in range(200):
        stamp = str(int(time.time()))
        assert (await exchange(slack.port, request(body, {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + "1" * 64})))[0] == 401  # fmt: skip
    slack.server.refusals.flush()
    lines = [r.getMessage() for r in log_records.records if r.name == "bot.observability.refusals"]
    one_by_one = [line for line in lines if line.startswith("refused bad_signature")]
    summaries = [line for line in lines if "not logged one by one" in line]
    figures.add("item8 forged flood in the log", refused=200, lines=len(lines), longest=max(map(len, lines)))
    assert refused_count("bad_signature") - before == 200
    assert 1 <= len(one_by_one) <= 6 and len(summaries) == 1 and "bad_signature=" in summaries[0]
    assert all(marker not in r.getMessage() for r in log_records.records)
    assert max(map(len, lines)) < 300


def test_the_masking_filter_cuts_long_lines_without_leaking_a_cut_secret() -> None:
    secret = "xoxb-1234567890-abcdefghij"
    for at in (MAX_LINE - 5, MAX_LINE - len(secret) + 1, MAX_LINE, 10):
        text = "a" * at + secret + "b" * 1_000_000
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "%s", (text,), None)
        RedactSecrets([secret]).filter(record)
        message = record.getMessage()
        assert len(message) < MAX_LINE + 100
        assert "xoxb-1234" not in message and secret[:6] not in message.replace("***", ""), at


# ---------------------------------------------------------------- fuzz

HEADER_NAMES = ["X-Slack-Retry-Num", "X-Slack-Retry-Reason", "Content-Encoding", "Transfer-Encoding",
                "Expect", "Connection", "X-Forwarded-For", "Accept", "X-Slack-Signature",
                "X-Slack-Request-Timestamp", "Content-Type"]  # fmt: skip
KEYS = ["type", "user", "team", "channel", "enterprise", "actions", "event", "view", "response_url",
        "response_urls", "authorizations", "container", "message", "trigger_id", "command", "text",
        "challenge", "ssl_check", "callback_id", "is_ext_shared_channel", "function_data", "state"]  # fmt: skip
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json", None, "text/plain",
                 "application/json; charset=latin-1"]  # fmt: skip
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json", None, "text/plain",
                 "application/json; charset=latin-1"]  # fmt: skip
header_value = st.text(
    st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=40
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["block_actions", "event_callback", "url_verification", "papers_more", "papers_post"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from([*KEYS, "id", "action_id", "value"]), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
payload = st.dictionaries(st.sampled_from(KEYS), json_value, max_size=6)
click = st.fixed_dictionaries(  # a click on one of our buttons, every other field of any type
    {"type": st.just("block_actions"),
     "actions": st.lists(st.fixed_dictionaries({"action_id": st.sampled_from([MORE_ACTION, POST_ACTION])},
                                               optional={"value": json_value, "block_id": json_value}),
                         min_size=1, max_size=2)},
    optional={key: json_value for key in KEYS if key not in ("type", "actions")},
)  # fmt: skip
slash = st.dictionaries(  # a slash command form, with our command and any other fields
    st.sampled_from(["text", "team_id", "channel_id", "user_id", "response_url", "trigger_id", "ssl_check"]),
    st.text(max_size=30),
    max_size=6,
).map(lambda d: urlencode({"command": "/papers", **d}).encode())
body = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(str.encode),
    payload.map(lambda p: json.dumps(p).encode()),
    payload.map(payload_body),
    click.map(payload_body),
    slash,
    json_value.map(payload_body),
    st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=5).map(
        lambda d: urlencode(d).encode()
    ),
)
case = st.fixed_dictionaries(
    {
        "body": body,
        "signed": st.booleans(),
        "content_type": st.sampled_from(CONTENT_TYPES),
        "headers": st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_value), max_size=3),
        "method": st.sampled_from(["POST"] * 8 + ["GET", "PUT", "HEAD"]),
    }
)


def fuzz_cases(count: int, run: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    @seed(run)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case)
    def collect(value: dict[str, Any]) -> None:
        out.append(value)

    collect()
    return out


async def test_random_requests_never_get_a_5xx_or_a_traceback(
    slack: Runtime, log_records: pytest.LogCaptureFixture, figures: Figures
) -> None:
    assert slack.port is not None
    run = run_seed()
    cases = fuzz_cases(300, run)
    statuses: dict[int, int] = {}
    for item in cases:
        headers = list(item["headers"])
        if item["signed"]:
            headers = list(signature_headers(item["body"]).items()) + headers
        raw = request(item["body"], headers, method=item["method"], content_type=item["content_type"])
        status = (await exchange(slack.port, raw, within=READ_TIMEOUT * 4))[0]
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, (status, item, f"FAULTS_SEED={run}")
    figures.add("item8 random requests", seed=run, requests=len(cases), statuses=dict(sorted(statuses.items())),
                tracebacks=len(tracebacks(log_records)))  # fmt: skip
    assert tracebacks(log_records) == [], f"FAULTS_SEED={run}"


def test_fuzz_cases_cover_signed_and_unsigned() -> None:
    cases = fuzz_cases(300, random.randrange(1 << 30))
    assert {c["signed"] for c in cases} == {True, False}
    assert any(c["body"].startswith(b"payload=") for c in cases)
