"""Every Redis key papers-bot writes, built in one place. This docstring is the key schema.

``P`` is ``REDIS_KEY_PREFIX`` (default ``papers``); it may not contain ``{``, ``}`` or whitespace.
A channel is written ``{platform:team:channel}`` (team = Slack workspace or Discord guild); the
ids are percent-escaped so that ``:``, ``{``, ``}``, ``%`` and whitespace never occur inside one.
The braces are a Redis Cluster *hash tag*: every key of one channel lands in the same slot, so
the Lua scripts that touch a channel's subscription, posted record and claim together stay
legal on a cluster. Nothing multi-key ever spans two channels; a fan-out over many channels uses
non-transactional pipelines only.

Per channel (hash tag ``{platform:team:channel}``)::

    P:sub:{slack:T1:C1}               HASH   the subscription and its status
        cfg            compact JSON, defaults left out: {"at": "HH:MM", "tz": "Europe/Paris",
                       "n": papers per post, "t": [topics], "tv": 2, "wd": 1 (weekdays only),
                       "nn": 1 (post a "nothing new today" line)}. "tv" (with "t" only): the
                       topics are stored as typed; without it (written before issue 10) a Slack
                       channel's topics are in Slack's encoding (`R&amp;D`) and are decoded
                       when read (bot.store.migrations)
        v              version, +1 on every change of cfg or pause state (due-index sync)
        created_at     epoch seconds
        active_since   epoch seconds the daily post started: subscribed, or resumed after a
                       pause; a local day whose post time was before it is not owed
                       (bot.store.schedule). Absent in subscriptions made before it was kept
        changed_by     who changed it last ("slack:U123", "papers-bot", ...)
        changed_at     epoch seconds
        paused         "1" when paused (absent otherwise)
        paused_reason  why (typed by a person, or e.g. "channel_not_found" from the engine)
        paused_at      epoch seconds
        last_post_at   epoch seconds of the last daily post
        last_post_day  local date (YYYY-MM-DD) of that post
        last_post_count  papers in it (0: a "nothing new today" line)
        last_message_id  the platform's message id
        last_result    posted | nothing_new | retrying | failed | unconfirmed
        last_run_day   local date of last_result
        last_error     the last delivery error, "" once a post succeeds
        last_error_at  epoch seconds
    P:posted:{slack:T1:C1}            ZSET   canonical paper id -> epoch seconds it was posted;
                                             trimmed to POSTED_RETENTION_DAYS on each write and
                                             expiring that long after the last write
    P:claim:{slack:T1:C1}:Asia/Tokyo:2025-10-15
                                      HASH   the delivery of one local day of one time zone (a
                                             zone change starts other keys: Tokyo's 15th is not
                                             Los Angeles's); expires 48 h after it is first
                                             claimed, once sent an hour after the local day ends
        s   claimed | retry | sent | empty | failed | superseded (not out, and a schedule
            change made another day the one to post) | moved (the legacy form only, below)
        o   owner (engine instance id) while claimed
        l   lease end, Redis server time in ms (the owner renews it while it lives)
        a   attempts so far
        r   retry not before (epoch seconds) when s = retry
        p   space-separated paper ids picked for this day (so a take-over re-sends the same)
        t   epoch seconds the latest attempt started; pt: the one before (a post `find_sent`
            finds after a failure went out then, and counts from then)
        m   platform message id once sent
        e   last error
    P:claim:{slack:T1:C1}:2025-10-15  HASH   the legacy form (no zone), written by versions before
                                             zone-keyed claims. Rolling upgrade: while
                                             DAILY_LEGACY_CLAIMS is on (the default), the CLAIM
                                             script reads the legacy key of the day it claims: a
                                             live claim there makes it wait, an unresolved one
                                             (retry, or a dead replica's) is resolved first with
                                             the legacy idempotency key, `empty`/`failed` count as
                                             the day done; and it marks the legacy key `moved`,
                                             which an earlier replica reads as "done", so it never
                                             posts a day a new replica took. Turn the setting off
                                             once no earlier replica runs (48 h later no legacy
                                             key is left).
    P:last:{slack:T1:C1}              HASH   the channel's delivery memory, kept apart from `sub`
                                             so that it outlives `unsubscribe` (a new subscription
                                             the same day must not post again); expires 7 days
                                             after the last claim or post (bot.store.schedule)
        at  epoch seconds of the last post the platform accepted (the 20-hour gap and the "one
            post per local day" rule of bot.store.schedule are measured from it)
        k   the channel's delivery in flight: the claim key last claimed, until its delivery
            ends (sent, found, given up or superseded; a retry keeps it). While it is set, the
            engine claims only that key: a send that failed ambiguously or whose replica died
            is resolved (find_sent, or sent again with its idempotency key) before a claim of
            another local day (another zone's) may start, so a change of time zone during or
            after a send cannot make a second post
    P:votes:{slack:T1:C1}             HASH   the channel's 👍/👎 votes (issue 12, bot.store.votes):
                                             "<paper id> <voter>" -> "1" (liked) or "-1"
                                             (disliked); voter e.g. "slack:U123". At most
                                             VOTES_MAX (300) votes, none older than
                                             VOTE_MAX_AGE_DAYS (180): the VOTE script trims the
                                             oldest on every write. Deleted by `unsubscribe` and
                                             `/papers forget`; expires 180 days after the last vote
    P:votes:t:{slack:T1:C1}           ZSET   the same "<paper id> <voter>" members -> epoch
                                             seconds of the vote (the order the bounds trim by)
    P:votes:card:{slack:T1:C1}        HASH   paper id -> JSON {"t": title, "x": text}, as
                                             bot.ranking.feedback.example_of makes them (at most
                                             300 + 1,000 characters): the paper as the
                                             channel's feedback profile needs it after HF's list
                                             cache is gone; kept only while a vote names it

Global (one slot each; single-key commands only)::

    P:platforms                       SET    platforms that have subscriptions ("slack", ...)
    P:due:slack                       ZSET   member "team:channel" -> epoch seconds of the next
                                             moment the engine must look at the channel; paused
                                             channels are not in it
    P:chans:slack:T1                  SET    channel ids subscribed in one workspace or guild
    P:hf:day:2025-10-15               STRING "<fetched_at_ms>\\n<JSON list of Paper.to_dict()>"
    P:hf:lock:2025-10-15              STRING single-flight lock of one HF fetch (token, PX)
    P:hf:err:2025-10-15               STRING last fetch error, kept a few seconds so that the
                                             waiters of a failed fetch do not all retry HF
                                             (never past the end of a known rate limit)
    P:hf:limited                      STRING Unix ms until which HF asked us to wait (a 429's or
                                             a used-up quota's reset); expires then. Every
                                             replica's HF client holds back until it
                                             (bot.store.rate_limit)
    P:seen:slack:<hash>               STRING a request the platform delivered (30 minutes), so a
                                             redelivery (Slack's X-Slack-Retry-Num) is answered once
    P:votes:key                       STRING the random HMAC key that signs vote buttons
                                             (bot.commands.vote_tokens); made once (SET NX) by
                                             the first replica that needs it, never expires. Lost,
                                             it is made again and older buttons answer "expired"
    P:migrations                      HASH   one-time data rewrites that have finished: name ->
                                             epoch seconds (bot.store.migrations), e.g.
        slack_topics_as_typed          Slack topics decoded from Slack's encoding
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_UNSAFE = re.compile(r"[%:{}\s]")
_PLATFORM = re.compile(r"^[a-z][a-z0-9_-]{0,19}$")


def escape_id(value: str) -> str:
    """Percent-escape the characters that would break the key grammar (``%``, ``:``, braces, blanks)."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value)


def unescape_id(value: str) -> str:
    if "%" not in value:
        return value
    return re.sub(r"(?:%[0-9A-F]{2})+", lambda m: bytes.fromhex(m.group().replace("%", "")).decode(), value)


@dataclass(frozen=True, slots=True, order=True)
class ChannelRef:
    """One chat channel: (platform, workspace or guild, channel). Ids are the platforms' own."""

    platform: str  # "slack", "discord", ...
    team: str  # Slack team/workspace id, Discord guild id
    channel: str  # channel id

    # ``platform:team:channel``, escaped: the hash tag's content and the channel's name in logs.
    tag: str = field(init=False, repr=False, compare=False)
    # The channel's member in its platform's due index: ``team:channel``, escaped.
    member: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _PLATFORM.match(self.platform):
            raise ValueError(f"invalid platform name {self.platform!r}")
        if not self.team or not self.channel:
            raise ValueError("team and channel ids must not be empty")
        member = f"{escape_id(self.team)}:{escape_id(self.channel)}"
        object.__setattr__(self, "member", member)
        object.__setattr__(self, "tag", f"{self.platform}:{member}")

    @classmethod
    def from_member(cls, platform: str, member: str) -> ChannelRef:
        team, channel = member.split(":", 1)
        return cls(platform, unescape_id(team), unescape_id(channel))

    def __str__(self) -> str:
        return self.tag


class Keys:
    """Builds every key from the prefix; see the module docstring for what each holds."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str = "papers") -> None:
        if not prefix or re.search(r"[{}\s]", prefix):
            raise ValueError("REDIS_KEY_PREFIX must be non-empty, without braces or blanks")
        self.prefix = prefix

    # --- per channel, all in the slot of {platform:team:channel} ---------------------------
    def sub(self, ch: ChannelRef) -> str:
        return f"{self.prefix}:sub:{{{ch.tag}}}"

    def posted(self, ch: ChannelRef) -> str:
        return f"{self.prefix}:posted:{{{ch.tag}}}"

    def claim(self, ch: ChannelRef, timezone: str, local_day: date) -> str:
        """The claim of local date `local_day` in IANA zone `timezone` (no blanks or braces)."""
        return f"{self.prefix}:claim:{{{ch.tag}}}:{timezone}:{local_day.isoformat()}"

    def legacy_claim(self, ch: ChannelRef, local_day: date) -> str:
        """The claim key versions before zone-keyed claims used (see the schema: rolling upgrade)."""
        return f"{self.prefix}:claim:{{{ch.tag}}}:{local_day.isoformat()}"

    @staticmethod
    def parse_claim(key: str) -> tuple[str | None, date]:
        """(IANA zone, local day) of a claim key; the zone is None for the legacy form.
        Raises ValueError for a key that is not a claim key."""
        tail = key[key.rindex("}:") + 2 :]
        zone, _, day = tail.rpartition(":")
        return zone or None, date.fromisoformat(day)

    def last(self, ch: ChannelRef) -> str:
        return f"{self.prefix}:last:{{{ch.tag}}}"

    def votes(self, ch: ChannelRef) -> str:
        return f"{self.prefix}:votes:{{{ch.tag}}}"

    def vote_times(self, ch: ChannelRef) -> str:
        return f"{self.prefix}:votes:t:{{{ch.tag}}}"

    def vote_cards(self, ch: ChannelRef) -> str:
        return f"{self.prefix}:votes:card:{{{ch.tag}}}"

    def vote_keys(self, ch: ChannelRef) -> tuple[str, str, str]:
        """(votes, vote_times, vote_cards): the KEYS of the VOTE script, all in one slot."""
        return self.votes(ch), self.vote_times(ch), self.vote_cards(ch)

    def channel_keys(self, ch: ChannelRef, timezone: str, local_day: date) -> tuple[str, str, str, str]:
        """(claim, posted, sub, last): the KEYS of the delivery scripts, all in one slot."""
        return self.claim(ch, timezone, local_day), self.posted(ch), self.sub(ch), self.last(ch)

    # --- global ----------------------------------------------------------------------------
    def platforms(self) -> str:
        return f"{self.prefix}:platforms"

    def due(self, platform: str) -> str:
        return f"{self.prefix}:due:{platform}"

    def team_channels(self, platform: str, team: str) -> str:
        return f"{self.prefix}:chans:{platform}:{escape_id(team)}"

    def hf_day(self, day: date) -> str:
        return f"{self.prefix}:hf:day:{day.isoformat()}"

    def hf_lock(self, day: date) -> str:
        return f"{self.prefix}:hf:lock:{day.isoformat()}"

    def hf_error(self, day: date) -> str:
        return f"{self.prefix}:hf:err:{day.isoformat()}"

    def hf_limited(self) -> str:
        return f"{self.prefix}:hf:limited"

    def seen(self, platform: str, request_hash: str) -> str:
        return f"{self.prefix}:seen:{platform}:{request_hash}"

    def vote_signing_key(self) -> str:
        return f"{self.prefix}:votes:key"

    def migrations(self) -> str:
        return f"{self.prefix}:migrations"


def hash_slot_tag(key: str) -> str:
    """The part of `key` Redis Cluster hashes (its first non-empty ``{...}``), for tests and checks."""
    start = key.find("{")
    if start >= 0:
        end = key.find("}", start + 1)
        if end > start + 1:
            return key[start + 1 : end]
    return key
