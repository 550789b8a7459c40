"""SLACK_MANAGERS: who may change a channel's daily post.

`anyone` (the default): every member of the channel. `admins`: workspace admins and owners only,
asked of Slack with `users.info` (scope users:read) and remembered for `ttl` seconds. Only commands
that change settings ask (`CHANGES_SETTINGS`); listings and status never call Slack. If Slack
cannot say, the answer is no: `PermissionUnknown`, which the listener turns into a clear message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.webapi import error_code
from bot.commands import Notice

log = logging.getLogger(__name__)


class PermissionUnknown(Exception):
    """Slack could not tell whether the user is an admin (users.info failed)."""


def unknown_notice(reason: str) -> Notice:
    return Notice(
        "I couldn't check whether you may change this channel's daily post",
        (
            f"Slack didn't tell me whether you are a workspace admin or owner ({reason}). "
            "Nothing was changed; please try again in a minute.",
        ),
        tone="error",
    )


class Permissions:
    def __init__(
        self,
        client: AsyncWebClient,
        managers: str = "anyone",
        *,
        ttl: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if managers not in ("anyone", "admins"):
            raise ValueError(f"SLACK_MANAGERS must be anyone or admins, not {managers!r}")
        self.client = client
        self.managers = managers
        self.ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}
        self.lookups = 0  # users.info calls made (tests read it)

    async def can_manage(self, team: str, user: str) -> bool:
        """May `user` change the settings of channels in workspace `team`? Raises PermissionUnknown."""
        if self.managers == "anyone":
            return True
        key = (team, user)
        now = self._clock()
        cached = self._cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
        self.lookups += 1
        try:
            response = await self.client.users_info(user=user)
        except SlackApiError as exc:
            code = error_code(exc)
            log.warning("users.info for %s failed: %s", user, code)
            raise PermissionUnknown(code) from None
        except Exception as exc:  # network, timeout
            log.warning("users.info for %s failed: %s: %s", user, type(exc).__name__, exc)
            raise PermissionUnknown("Slack did not answer") from None
        profile = response.get("user") or {}
        allowed = bool(profile.get("is_admin") or profile.get("is_owner") or profile.get("is_primary_owner"))
        if len(self._cache) >= self._max:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= self._max:
                self._cache.clear()
        self._cache[key] = (now + self.ttl, allowed)
        return allowed
