"""The Bolt app: `build_app` wires the listeners to a `SlackBot` (context.py).

Like the bolt-python starter template, app.py imports the listeners and never the reverse; what they
share lives in context.py. Nothing here talks HTTP or websockets: http_mode.py and socket_mode.py feed it requests.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from adapters.slack.context import SlackBot
from adapters.slack.listeners import register


def build_app(bot: SlackBot, *, signing_secret: str) -> AsyncApp:
    """The Bolt app for HTTP mode (requests verified with `signing_secret`) and Socket Mode."""
    logger = logging.getLogger("adapters.slack.bolt")
    if not any(isinstance(f, _DropClientTokenWarning) for f in logger.filters):
        logger.addFilter(_DropClientTokenWarning())
    app = AsyncApp(
        name="papers-bot",
        client=bot.client,
        signing_secret=signing_secret,
        # The listener's return sends the ack (no 10 ms ack polling); the work runs in bot.jobs.
        process_before_response=True,
        logger=logger,
    )

    async def acks_first(next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        bot.jobs.note_request()  # answers wait while requests keep coming in (see jobs.py)
        return await next()

    app.middleware(acks_first)
    register(app, bot)
    return app


class _DropClientTokenWarning(logging.Filter):
    """Bolt warns that the token is unused when it is given a client and SLACK_BOT_TOKEN is in the
    environment (it reads the variable itself). The client carries that very token: not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()
