"""Subscriptions and their status, with the validation rules every adapter shares.

Validation messages are written for the person who typed the value: they say what is wrong and
what would work, so adapters can show `str(error)` as it is.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from bot.store import timezones
from bot.store.keys import ChannelRef
from bot.store.migrations import TOPIC_TEXT_VERSION, topics_as_typed
from bot.typed_text import fold

MAX_TOPICS = 25
MAX_TOPIC_LENGTH = 100  # the same as bot.ranking.query.MAX_QUERY_LENGTH
MIN_TOP, MAX_TOP, DEFAULT_TOP = 1, 20, 5
DEFAULT_TIME = time(9, 0)
DEFAULT_TIMEZONE = "UTC"
MAX_REASON_LENGTH = 300

_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?h?$")  # 09:00, 9.30, 7h05, 21h, 9
_COMPACT = re.compile(r"^(\d{2})(\d{2})$")  # 0900
_CLOCK12 = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m?\.?$")  # 9am, 9:30 pm, 9 p.m.
_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


class SubscriptionError(ValueError):
    """A setting a person typed is not acceptable; the message says why and what would work.

    `title` is a short heading for the answer when the problem is a question (which time zone?).
    """

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.title = title


class NotSubscribed(LookupError):
    """The channel has no subscription."""

    def __init__(self, channel: ChannelRef) -> None:
        super().__init__(f"{channel} has no daily post; subscribe first")
        self.channel = channel


# --- validation ---------------------------------------------------------------------------------


def parse_post_time(text: str | time) -> time:
    """A time of day as people type it (also with full-width or other digits, `０９：００`):
    24-hour `09:00`, `9:00`, `17.30`, `7h05`, `21h`, `0900`, `9`; 12-hour `9am`, `9 AM`, `9:30pm`,
    `9:30 p.m.` (`12am` is 00:00, `12pm` 12:00); `noon`, `midnight`. Anything else raises
    SubscriptionError."""
    if isinstance(text, time):
        return text.replace(second=0, microsecond=0, tzinfo=None)
    typed = " ".join(fold(text or "").lower().split())
    if typed in _WORDS:
        return _WORDS[typed]
    hour = minute = 99
    if match := _CLOCK12.match(typed):
        hour, minute = int(match[1]), int(match[2] or 0)
        hour = hour % 12 + (12 if match[3] == "p" else 0) if 1 <= hour <= 12 else 99  # 12am: 00
    elif match := _TIME.match(typed.replace(" ", "")) or _COMPACT.match(typed):
        hour, minute = int(match[1]), int(match[2] or 0)
    if hour < 24 and minute < 60:
        return time(hour, minute)
    raise SubscriptionError(
        f"`{str(text)[:20]}` is not a time of day: use 24-hour `HH:MM` (`09:00`, `17:30`) or 12-hour "
        "with am/pm (`9am`, `5:30 pm`)."
    )


class ZoneUnavailable(LookupError):
    """A stored time zone this machine's tz database does not have: removed or renamed since it
    was stored (`US/Pacific-New`, gone in tzdata 2020b), or never a zone (data written by hand)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the time zone {name!r} is not in this machine's time-zone database")
        self.zone = name


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The ZoneInfo of IANA `name`; raises ZoneUnavailable when there is none by that name."""
    try:
        return _zone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ZoneUnavailable(name) from None


@lru_cache(maxsize=1024)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def parse_timezone(text: str) -> str:
    """The IANA zone someone means (`europe/paris`, `Paris`, `France`, `CET` -> `Europe/Paris`;
    `UTC+2` -> the fixed `Etc/GMT-2`), by `bot.store.timezones.resolve`.

    Raises SubscriptionError: for a text that means several regions (`IST`, `CST`), one that
    asks which, listing them; for an unknown one, the closest names.
    """
    cleaned = " ".join(fold(text or "").split())
    try:
        return timezones.resolve(cleaned).zone
    except timezones.AmbiguousZone as exc:
        options = "; ".join(f"`{c.zone}` ({c.label})" for c in exc.choices)
        raise SubscriptionError(
            f"{exc.reason}: {options}. Type the one you mean, e.g. `{exc.choices[0].zone}`.",
            title="Which time zone do you mean?",
        ) from None
    except timezones.UnknownZone as exc:
        hint = f" Did you mean {', '.join(f'`{s}`' for s in exc.suggestions)}?" if exc.suggestions else ""
        raise SubscriptionError(
            f"`{cleaned[:40]}` is not a time zone I know.{hint} Use a city, a country or an IANA "
            "name, such as `Paris`, `India`, `America/New_York` or `UTC`."
        ) from None


def validate_top(value: int | str) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and (digits := fold(value).strip()).isascii() and digits.isdecimal():
        number = int(digits)
    if number is None or not MIN_TOP <= number <= MAX_TOP:
        raise SubscriptionError(f"Papers per post must be a whole number from {MIN_TOP} to {MAX_TOP}.")
    return number


def validate_topic(text: str) -> str:
    """One topic query, checked by the ranking's own parser; returns it as it will be stored."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise SubscriptionError('A topic cannot be empty: try e.g. `diffusion` or `"video generation"`.')
    if len(cleaned) > MAX_TOPIC_LENGTH:
        raise SubscriptionError(
            f"That topic is {len(cleaned)} characters; topics are at most {MAX_TOPIC_LENGTH}."
        )
    from bot.ranking import QueryError, TopicQuery  # imported late: ranking is heavier than the store

    try:
        TopicQuery.parse(cleaned)
    except QueryError as exc:
        raise SubscriptionError(str(exc)) from None
    return cleaned


def validate_topics(topics: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Check every topic, drop repeats (ignoring case), and enforce MAX_TOPICS."""
    result: list[str] = []
    seen: set[str] = set()
    for topic in topics:
        cleaned = validate_topic(topic)
        if cleaned.casefold() not in seen:
            seen.add(cleaned.casefold())
            result.append(cleaned)
    if len(result) > MAX_TOPICS:
        raise SubscriptionError(
            f"A channel can follow at most {MAX_TOPICS} topics; remove one with `/papers unsubscribe TOPIC`."
        )
    return tuple(result)


def validate_reason(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_REASON_LENGTH]


# --- model ----------------------------------------------------------------------------------------


def _ts(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(float(value), UTC)


def _epoch(value: datetime) -> str:
    return f"{value.timestamp():.3f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class Schedule:
    """The part of a subscription the engine needs every day (what `cfg` holds in Redis)."""

    topics: tuple[str, ...] = ()
    post_time: time = DEFAULT_TIME
    timezone: str = DEFAULT_TIMEZONE
    top: int = DEFAULT_TOP
    weekdays_only: bool = False
    nothing_new_note: bool = False  # post a one-line "nothing new today" instead of nothing

    def to_json(self) -> str:
        """Compact JSON (short keys, defaults left out) so that a subscription without long topic
        lists stays within Redis's small-hash encoding (values up to 64 bytes). Topics come with
        "tv", the version of their text form (bot.store.migrations)."""
        data: dict[str, Any] = {"at": self.post_time.strftime("%H:%M"), "tz": self.timezone, "n": self.top}
        if self.topics:
            data["t"] = list(self.topics)
            data["tv"] = TOPIC_TEXT_VERSION
        if self.weekdays_only:
            data["wd"] = 1
        if self.nothing_new_note:
            data["nn"] = 1
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, *, platform: str) -> Schedule:
        """The schedule stored as `text` for a channel of `platform`; topics an earlier version
        stored in Slack's encoding come back as typed (bot.store.migrations.topics_as_typed)."""
        data = json.loads(text)
        hour, minute = data.get("at", "09:00").split(":")
        return cls(
            topics=topics_as_typed(platform, data.get("t") or (), data.get("tv")),
            post_time=time(int(hour), int(minute)),
            timezone=data.get("tz") or DEFAULT_TIMEZONE,
            top=int(data.get("n") or DEFAULT_TOP),
            weekdays_only=bool(data.get("wd")),
            nothing_new_note=bool(data.get("nn")),
        )

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The zone; raises ZoneUnavailable for a stored name this machine does not know."""
        return zone(self.timezone)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel's daily post settings, who changed them last, and whether it is paused."""

    channel: ChannelRef
    schedule: Schedule = field(default_factory=Schedule)
    paused: bool = False
    paused_reason: str | None = None
    paused_at: datetime | None = None
    changed_by: str | None = None
    changed_at: datetime | None = None
    created_at: datetime | None = None
    active_since: datetime | None = (
        None  # subscribed or last resumed (bot.store.schedule); None: before this was kept
    )
    version: int = 0

    # convenient read-only views of the schedule
    @property
    def topics(self) -> tuple[str, ...]:
        return self.schedule.topics

    @property
    def post_time(self) -> time:
        return self.schedule.post_time

    @property
    def timezone(self) -> str:
        return self.schedule.timezone

    @property
    def top(self) -> int:
        return self.schedule.top

    @property
    def weekdays_only(self) -> bool:
        return self.schedule.weekdays_only

    @property
    def nothing_new_note(self) -> bool:
        return self.schedule.nothing_new_note

    def with_schedule(self, **changes: Any) -> Subscription:
        return replace(self, schedule=replace(self.schedule, **changes))

    @classmethod
    def from_hash(cls, channel: ChannelRef, data: dict[str, str]) -> Subscription:
        return cls(
            channel=channel,
            schedule=Schedule.from_json(data["cfg"], platform=channel.platform),
            paused=data.get("paused") == "1",
            paused_reason=data.get("paused_reason") or None,
            paused_at=_ts(data.get("paused_at")),
            changed_by=data.get("changed_by") or None,
            changed_at=_ts(data.get("changed_at")),
            created_at=_ts(data.get("created_at")),
            active_since=_ts(data.get("active_since")),
            version=int(data.get("v") or 0),
        )


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """What `/papers status` shows: the settings, the next post and how the last ones went."""

    subscription: Subscription
    next_post_at: datetime | None  # None while paused
    posted_today: bool  # today's (local) post is done, or there was nothing new
    last_post_at: datetime | None = None
    last_post_day: date | None = None
    last_post_count: int | None = None
    last_message_id: str | None = None
    last_result: str | None = None  # posted | nothing_new | retrying | failed | unconfirmed
    last_run_day: date | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    remembered_papers: int = 0  # ids in the posted record (never posted again)

    @classmethod
    def from_hash(
        cls,
        subscription: Subscription,
        data: dict[str, str],
        *,
        next_post_at: datetime | None,
        posted_today: bool,
        remembered: int,
    ) -> ChannelStatus:
        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        count = data.get("last_post_count")
        return cls(
            subscription=subscription,
            next_post_at=next_post_at,
            posted_today=posted_today,
            last_post_at=_ts(data.get("last_post_at")),
            last_post_day=day(data.get("last_post_day")),
            last_post_count=int(count) if count not in (None, "") else None,
            last_message_id=data.get("last_message_id") or None,
            last_result=data.get("last_result") or None,
            last_run_day=day(data.get("last_run_day")),
            last_error=data.get("last_error") or None,
            last_error_at=_ts(data.get("last_error_at")),
            remembered_papers=remembered,
        )


epoch_text = _epoch
