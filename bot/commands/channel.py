"""Answers about one channel's daily post: subscribe, topics, time, count, pause, status."""

from __future__ import annotations

from datetime import datetime

from bot.commands.language import Pause, Resume, SetCount, SetTime, Subscribe, Unsubscribe
from bot.commands.replies import Notice, Reply, quote
from bot.commands.syntax import spell
from bot.ranking import QueryError, TopicQuery
from bot.render.textkit import format_day, plural
from bot.store import ChannelRef, ChannelStatus, Subscription, SubscriptionStore


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


async def change(command: ChangeCommand, store: SubscriptionStore, channel: ChannelRef, by: str) -> Reply:
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
                "Daily post stopped", ("Papers already posted here will not be posted again.",), tone="ok"
            )
        sub = await store.remove_topic(channel, command.query, by=by)
        return Notice(f"Stopped following {quote(command.query)}", tuple(describe(sub)), tone="ok")
    if isinstance(command, SetTime):
        sub = await store.set_time(channel, command.time, command.timezone, by=by)
        return Notice("Post time changed", tuple(describe(sub)), tone="ok")
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
    local = moment.astimezone(sub.schedule.tz)
    return f"{format_day(local.date())} {local:%H:%M}"


async def status(store: SubscriptionStore, channel: ChannelRef, now: datetime) -> Reply:
    found: ChannelStatus | None = await store.status(channel, now=now)
    if found is None:
        return not_subscribed(channel.platform)
    sub = found.subscription
    lines = describe(sub)
    if found.next_post_at is not None:
        lines.append(f"Next post: {_when(found.next_post_at, sub)} ({quote(sub.timezone)}).")
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
