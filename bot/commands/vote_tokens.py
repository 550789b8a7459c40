"""Signed values of the 👍/👎 buttons: what a click says, and proof that papers-bot said it.

A button's value (Slack `value`, Discord `custom_id`) comes back with the click, and whoever can
send a request can put anything in it, so it is never trusted: it carries the paper, the vote,
the paper's list day and when the button was made, and an HMAC-SHA256 (RFC 2104) over those and
the channel it was made for. A value made for channel A does not verify in channel B, an edited
one does not verify at all, and one older than the votes' retention is stale.

    pv1|<u or d>|<paper id>|<list day, days since 1970, base 36>|<issued, minutes, base 36>|<mac>

At most ~80 characters (Discord's custom_id allows 100, Slack's value 2000). The key is random,
made once and shared by every replica through Redis (`P:votes:key`, bot.store.keys).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from redis.asyncio import Redis

from bot.store import ChannelRef, Keys, Vote
from bot.store.votes import VOTE_MAX_AGE_SECONDS

VERSION = "pv1"
PAPER_ID_MAX = 40  # longer ids (none on Daily Papers so far) get no buttons: the value must fit Discord
MAC_CHARS = 22  # 132 bits of the MAC, base64url
_EPOCH = date(1970, 1, 1)
_VALUE = re.compile(
    r"^pv1\|([ud])\|([A-Za-z0-9][A-Za-z0-9._\-]{0,39})\|([0-9a-z]{1,6})\|([0-9a-z]{1,8})\|([A-Za-z0-9_\-]{22})$"
)


class TokenProblem(Enum):
    """Why a value was refused."""

    FORGED = "forged"  # not ours, edited, or made for another channel
    STALE = "stale"  # ours, but older than any vote is kept


@dataclass(frozen=True, slots=True)
class VoteToken:
    """What a verified button value says."""

    paper_id: str
    vote: Vote
    list_day: date


class VoteSigner:
    """Makes and checks button values with one secret key (bytes)."""

    def __init__(self, key: bytes, *, max_age_seconds: int = VOTE_MAX_AGE_SECONDS) -> None:
        if len(key) < 16:
            raise ValueError("the vote signing key must be at least 16 bytes")
        self._key = key
        self.max_age_seconds = max_age_seconds

    def sign(self, channel: ChannelRef, paper_id: str, vote: Vote, list_day: date, now: float) -> str | None:
        """The value of the `vote` button of `paper_id` in `channel`; None for an id too long to carry."""
        if vote is Vote.NONE or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,39}", paper_id):
            return None
        body = f"{VERSION}|{'u' if vote is Vote.LIKE else 'd'}|{paper_id}|{_b36((list_day - _EPOCH).days)}|{_b36(int(now // 60))}"
        return f"{body}|{self._mac(channel, body)}"

    def read(self, channel: ChannelRef, value: str, now: float) -> VoteToken | TokenProblem:
        """The vote `value` says, if papers-bot made it for `channel` within the retention."""
        found = _VALUE.match(value or "")
        if not found:
            return TokenProblem.FORGED
        body = value.rsplit("|", 1)[0]
        if not hmac.compare_digest(found.group(5), self._mac(channel, body)):
            return TokenProblem.FORGED
        issued = int(found.group(4), 36) * 60
        if now - issued > self.max_age_seconds:
            return TokenProblem.STALE
        vote = Vote.LIKE if found.group(1) == "u" else Vote.DISLIKE
        return VoteToken(found.group(2), vote, _EPOCH + timedelta(days=int(found.group(3), 36)))

    def _mac(self, channel: ChannelRef, body: str) -> str:
        message = f"{channel.tag}\n{body}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


async def load_signer(redis: Redis, keys: Keys) -> VoteSigner:
    """The signer with the replicas' shared key, made now (SET NX) if no replica made it yet.
    Raises redis.exceptions.RedisError when Redis fails."""
    key = keys.vote_signing_key()
    await redis.set(key, secrets.token_hex(32), nx=True)
    stored = await redis.get(key)
    if not stored:  # deleted between the two calls: make it again
        return await load_signer(redis, keys)
    return VoteSigner(stored.encode() if isinstance(stored, str) else stored)


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def unverified_parts(value: str) -> tuple[str, Vote] | None:
    """(paper id, vote) of a value as written, NOT verified: only for relabelling the buttons of a
    message papers-bot itself sent (a platform hands it back as it was sent)."""
    found = _VALUE.match(value or "")
    if not found:
        return None
    return found.group(2), Vote.LIKE if found.group(1) == "u" else Vote.DISLIKE
