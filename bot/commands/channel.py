"""Answers about one channel's daily post: subscribe, topics, time, count, pause, status."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.commands.language import Pause, Resume, SetCount, SetTime, Subscribe, Unsubscribe
from bot.commands.replies import Notice, Reply, quote
from bot.commands.syntax import spell
from bot.ranking import QueryError, TopicQuery
from bot.store import ChannelRef, ChannelStatus, Subscription, SubscriptionStore, timezones
from bot.store.schedule import MIN_GAP
from bot.text_format import format_day, plural


def not_subscribed(platform: str) -> Notice:
    start, follow = spell("subscribe", platform), spell("subscribe diffusion", platform)
    return Notice(
        "This channel has no daily post", (f"Start it with `{start}`, or follow a topic with `{follow}`.",)
    )


ChangeCommand = Subscribe | Unsubscribe | SetTime | SetCount | Pause | Resume


def describe(sub: Subscription) -> list[str]:
    """The settings in a few lines, shared by confirmations and status."""
    days = "weekdays" if sub.weekdays_only else "every day"
    lines = [
        f"Daily post: {plural(sub.top, 'paper')} at {sub.post_time:%H:%M} {quote(sub.timezone)}, {days}.",
        "Topics: "
        + (", ".join(quote(t) for t in sub.topics) + "." if sub.topics else "none, so all papers."),
    ]
    if sub.paused:
        lines.append(f"Paused: {quote(sub.paused_reason or 'paused')}. `/papers resume` restarts it.")
    return lines


def zone_lines(sub: Subscription, now: datetime, typed: str | None = None) -> list[str]:
    """The channel's time zone: how `typed` was read, the region and today's UTC offset; a
    warning for a fixed offset or an old name, with the region(s) to use instead; for a stored
    zone this machine does not know, that no post is made and how to set one."""
    lines = []
    if typed is not None:
        read_as = timezones.resolve(typed).read_as
        if read_as:
            lines.append(f"{read_as}.")
    if not timezones.is_available(sub.timezone):
        return lines + _unavailable_zone(sub)
    facts = timezones.zone_facts(sub.timezone, now)
    abbreviation = f", {facts.abbreviation}" if facts.abbreviation else ""
    where = timezones.label(sub.timezone)
    lines.append(f"Time zone: {quote(sub.timezone)} ({where}), today {facts.offset}{abbreviation}.")
    if facts.legacy:
        instead = facts.suggestions[0].zone if facts.suggestions else "Europe/Berlin"
        hint = spell(f"time {sub.post_time:%H:%M} {instead}", sub.channel.platform)
        others = ", ".join(quote(c.zone) for c in facts.suggestions[1:4])
        also = f" (or {others})" if others else ""
        if facts.fixed:
            lines.append(
                f"Note: {quote(sub.timezone)} is a fixed offset, {facts.offset} all year with no "
                f"daylight saving time. To follow a place's local time: `{hint}`{also}."
            )
        else:
            lines.append(
                f"Note: {quote(sub.timezone)} is an old name; its region is set with `{hint}`{also}."
            )
    return lines


def _unavailable_zone(sub: Subscription) -> list[str]:
    """What a channel whose stored zone is not in the tz database (renamed or removed) is told."""
    instead = [c.zone for c in timezones.replacements(sub.timezone)] or ["Europe/Berlin"]
    hint = spell(f"time {sub.post_time:%H:%M} {instead[0]}", sub.channel.platform)
    others = ", ".join(quote(z) for z in instead[1:4])
    also = f" (or {others})" if others else ""
    return [
        f"Time zone: {quote(sub.timezone)} is not in this server's time-zone database (it was renamed or "
        f"removed since it was set), so no daily post is made. Set the zone again: `{hint}`{also}."
    ]


async def change(
    command: ChangeCommand, store: SubscriptionStore, channel: ChannelRef, by: str, now: datetime
) -> Reply:
    """Apply a settings command. SubscriptionError and NotSubscribed propagate to the service."""
    if isinstance(command, Subscribe):
        if command.query is not None:
            try:
                TopicQuery.parse(command.query)
            except QueryError as exc:
                return Notice("That topic doesn't work", (str(exc),), tone="warning")
        before = await store.get(channel)
        sub = await store.subscribe(channel, by=by, topic=command.query)
        if before is None:
            title = "This channel now gets the daily papers"
        elif command.query and len(sub.topics) > len(before.topics):
            title = f"Now following {quote(command.query)}"
        elif command.query:
            title = f"Already following {quote(command.query)}"
        else:
            title = "This channel already gets the daily papers"
        return Notice(title, tuple(describe(sub)), tone="ok")
    if isinstance(command, Unsubscribe):
        if command.query == "all":
            if not await store.unsubscribe(channel, by=by):
                return not_subscribed(channel.platform)
            return Notice(
                "Daily post stopped",
                (
                    "Papers already posted here will not be posted again. "
                    "This channel's 👍/👎 votes are forgotten.",
                ),
                tone="ok",
            )
        sub = await store.remove_topic(channel, command.query, by=by)
        return Notice(f"Stopped following {quote(command.query)}", tuple(describe(sub)), tone="ok")
    if isinstance(command, SetTime):
        sub = await store.set_time(channel, command.time, command.timezone, by=by)
        lines = describe(sub)
        if not re.fullmatch(r"\d{1,2}[:.h]\d{2}", command.time.strip()):  # `9pm`, `9:00 PM`, `0900`
            lines.append(f"{quote(command.time)} read as {sub.post_time:%H:%M} (24-hour clock).")
        lines += zone_lines(sub, now, command.timezone)
        found = await store.status(channel, now=now)
        if found is not None and found.next_post_at is not None:
            lines.append(_next_post(found, sub, now))
        return Notice("Post time changed", tuple(lines), tone="ok")
    if isinstance(command, SetCount):
        sub = await store.set_top(channel, command.count, by=by)
        return Notice("Papers per post changed", tuple(describe(sub)), tone="ok")
    if isinstance(command, Pause):
        sub = await store.pause(channel, by=by)
        return Notice("Daily post paused", tuple(describe(sub)), tone="ok")
    sub = await store.resume(channel, by=by)
    return Notice("Daily post resumed", tuple(describe(sub)), tone="ok")


async def topics(store: SubscriptionStore, channel: ChannelRef) -> Reply:
    sub = await store.get(channel)
    if sub is None:
        return not_subscribed(channel.platform)
    if not sub.topics:
        return Notice(
            "This channel follows no topics", ("Its daily post carries the top papers of the day.",)
        )
    return Notice(
        f"This channel follows {plural(len(sub.topics), 'topic')}", tuple(quote(t) for t in sub.topics)
    )


def _when(moment: datetime, sub: Subscription) -> str:
    """`Thu 16 Oct 2025 09:00` in the channel's zone (in UTC, said so, when the zone is unknown)."""
    if not timezones.is_available(sub.timezone):
        return f"{format_day(moment.date())} {moment:%H:%M} UTC"
    local = moment.astimezone(sub.schedule.tz)
    return f"{format_day(local.date())} {local:%H:%M}"


def _next_post(found: ChannelStatus, sub: Subscription, now: datetime) -> str:
    """`Next post: Thu 16 Oct 2025 09:00 (`Asia/Tokyo`).`, or that it comes now."""
    assert found.next_post_at is not None
    when = f"{_when(found.next_post_at, sub)} ({quote(sub.timezone)})"
    if found.next_post_at <= now:  # today's post time has passed and today had none
        return f"Next post: within a minute (today's, {when}, has not been made yet)."
    return f"Next post: {when}{_why_later(found, sub)}."


def _why_later(found: ChannelStatus, sub: Subscription) -> str:
    """Why the next post is not at the post time: it waits 20 hours after the last post."""
    if found.next_post_at is None or found.last_post_at is None:
        return ""
    if abs(found.next_post_at - (found.last_post_at + MIN_GAP)) > timedelta(seconds=1):
        return ""
    return " (20 hours after the last post, so that two posts never come close together)"


async def status(store: SubscriptionStore, channel: ChannelRef, now: datetime) -> Reply:
    found: ChannelStatus | None = await store.status(channel, now=now)
    if found is None:
        return not_subscribed(channel.platform)
    sub = found.subscription
    lines = describe(sub) + zone_lines(sub, now)
    if found.next_post_at is not None:
        lines.append(_next_post(found, sub, now))
    if found.last_post_at is not None:
        count = f", {plural(found.last_post_count, 'paper')}" if found.last_post_count is not None else ""
        lines.append(f"Last post: {_when(found.last_post_at, sub)}{count}.")
    elif found.last_result == "nothing_new":
        lines.append("Last post: nothing new to post that day.")
    else:
        lines.append("Last post: none yet.")
    if found.last_error:
        at = f" ({_when(found.last_error_at, sub)})" if found.last_error_at else ""
        lines.append(f"Last error{at}: {quote(found.last_error, 200)}")
    lines.append(
        f"Remembered: {plural(found.remembered_papers, 'paper')} already posted here (never repeated)."
    )
    if sub.changed_by:
        at = f" on {_when(sub.changed_at, sub)}" if sub.changed_at else ""
        lines.append(f"Last changed by {quote(sub.changed_by)}{at}.")
    return Notice("Daily papers in this channel", tuple(lines))
