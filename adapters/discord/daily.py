"""The daily post on Discord: the `send` the core engine calls, and which channels a process takes.

The loop itself is the shared `bot.daily.loop.DailyLoop` (app.py wires it).

`send` posts the rendered digest (one or more messages, in order) with a `nonce` and
`enforce_nonce`, so a retry of the same day's post within Discord's nonce window returns the
message already created instead of posting twice. 403/404 become `ChannelGone` (the engine
pauses the channel with the reason, shown by `/papers status`); everything else worth another
try becomes `DeliveryFailed`.

Shards: a process posts only for the guilds of its own shards (`shard_filter`), so that several
processes, each running some shards of one bot, share the channels without overlap; the engine's
Redis claims make each post happen once even when processes do overlap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

import aiohttp
import discord

from adapters.discord.votes import vote_view
from bot.commands.votes import VoteService
from bot.daily.delivery import Delivery, Send
from bot.daily.errors import ChannelGone, DeliveryFailed
from bot.render import render_discord
from bot.store.keys import ChannelRef

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_NONCE = 25  # Discord refuses longer nonces
_PART = "123456789abcdefghijklmnopqrstuvwxyz"  # suffixes of the 2nd, 3rd, ... message's nonce
SEND_TIMEOUT = 120.0  # one message create, discord.py's own 429/5xx retries included

Accept = Callable[[ChannelRef], bool]


def message_nonce(key: str, part: int) -> str:
    """The nonce of message `part` (0-based) of one post: the key itself, then key + one character.

    The engine's idempotency key is 24 characters, so every nonce fits Discord's 25, stays the
    same on every retry, and differs between the parts of one post.
    """
    if part == 0:
        nonce = key
    elif part <= len(_PART):
        nonce = key[: MAX_NONCE - 1] + _PART[part - 1]
    else:
        raise ValueError(f"a post of {part + 1} messages has no nonce scheme")
    if len(nonce) > MAX_NONCE:
        raise ValueError(f"nonce {nonce!r} is longer than {MAX_NONCE} characters")
    return nonce


def _describe(exc: discord.HTTPException) -> str:
    text = (exc.text or "").strip()
    code = f" code {exc.code}" if exc.code else ""
    return f"{exc.status}{code}: {text}" if text else f"{exc.status}{code}"


def gone_reason(exc: discord.HTTPException) -> str:
    """Why a channel is paused, for `/papers status`: what happened and what fixes it."""
    if isinstance(exc, discord.NotFound):
        return (
            f"Discord says this channel no longer exists ({_describe(exc)}). "
            "Subscribe again in the channel that should get the papers."
        )
    return (
        f"Discord refused the daily post ({_describe(exc)}). Give papers-bot View Channel, "
        "Send Messages and Embed Links here, then run /papers resume."
    )


def make_send(
    client: discord.Client, *, timeout: float = SEND_TIMEOUT, votes: VoteService | None = None
) -> Send:
    """The engine's `send` for Discord: returns the id of the post's first message. With `votes`,
    every paper gets its 👍/👎 buttons (adapters.discord.votes)."""
    mentions = discord.AllowedMentions.none()

    async def send(delivery: Delivery) -> str:
        ref = delivery.channel
        if not (ref.channel.isdecimal() and ref.team.isdecimal()):
            raise ChannelGone(f"{ref.channel!r} is not a Discord channel id")
        channel = client.get_partial_messageable(int(ref.channel), guild_id=int(ref.team))
        first: str | None = None
        papers = [entry.paper for entry in delivery.digest.entries]
        bars = await votes.bars(ref, papers) if votes is not None and papers else None
        for part, payload in enumerate(render_discord(delivery.digest, bars)):
            embeds = [discord.Embed.from_dict(e) for e in payload.get("embeds", ())]
            view = vote_view(payload["components"]) if payload.get("components") else None
            try:
                message = await asyncio.wait_for(
                    channel.send(
                        payload.get("content") or None,
                        embeds=embeds,
                        nonce=message_nonce(delivery.idempotency_key, part),
                        allowed_mentions=mentions,
                        **({"view": view} if view is not None else {}),
                    ),
                    timeout,
                )
            except (discord.Forbidden, discord.NotFound) as exc:
                raise ChannelGone(gone_reason(exc)) from exc
            except discord.RateLimited as exc:
                raise DeliveryFailed(
                    f"Discord rate limit ({exc.retry_after:.0f} s)", retry_after=exc.retry_after
                ) from exc
            except discord.HTTPException as exc:
                raise DeliveryFailed(f"Discord answered {_describe(exc)}") from exc
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                raise DeliveryFailed(f"could not reach Discord: {type(exc).__name__}: {exc}") from exc
            first = first or str(message.id)
        assert first is not None  # render_discord always gives at least one payload
        return first

    return send


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's sharding formula (the shard whose gateway connection carries this guild)."""
    return (guild_id >> 22) % shard_count


def shard_filter(shard_ids: Iterable[int] | None, shard_count: int | None) -> Accept | None:
    """A predicate accepting the Discord channels of guilds on `shard_ids`; None: every channel."""
    if not shard_count or shard_count <= 1:
        return None
    mine = frozenset(range(shard_count) if shard_ids is None else shard_ids)
    if mine >= set(range(shard_count)):
        return None

    def accept(channel: ChannelRef) -> bool:
        return (
            channel.platform == PLATFORM
            and channel.team.isdecimal()
            and shard_of(int(channel.team), shard_count) in mine
        )

    return accept
