"""`papers-bot slack [run] [--host H] [--port N]`: run the Slack app until SIGINT/SIGTERM.

Socket Mode when SLACK_APP_TOKEN is set (no public URL needed), otherwise HTTP mode: POST
/slack/events on PORT (default 3000). Both serve GET /healthz and /metrics on PORT and run the
daily post loop.
A setting that is missing or wrong ends in one line naming it (ConfigError) and exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine, Sequence
from typing import Any

from bot.cli_output import ArgumentParser, note
from bot.observability.logs import configure_logging
from bot.settings import load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="papers-bot slack",
        description="Run the Slack app: Socket Mode if SLACK_APP_TOKEN is set, else HTTP on PORT.",
    )
    parser.add_argument("action", nargs="?", choices=["run"], default="run", help="run the app (the default)")
    parser.add_argument(
        "--host", default="0.0.0.0", help="address to listen on in HTTP mode (default 0.0.0.0)"
    )
    parser.add_argument("--port", type=int, help="port to listen on (default: PORT, 3000)")
    return parser


async def serve(args: argparse.Namespace) -> int:
    from adapters.slack import runtime as rt

    settings = load_settings()
    configure_logging(settings)  # LOG_LEVEL, LOG_FORMAT; tokens and the signing secret are masked
    runtime = await rt.start(settings, host=args.host, port=args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        # for the person who started it; a server keeps running when stdout cannot take the line
        note(
            f"papers-bot slack: {runtime.config.mode} mode, http://{args.host}:{runtime.port}",
            stream="stdout",
        )
        await stop.wait()
    finally:
        logging.getLogger(__name__).info("shutting down")
        await runtime.stop()
    return 0


def run_loop(main: Coroutine[Any, Any, int]) -> int:
    """asyncio.run, on uvloop where it is installed (Linux, macOS; a dependency there).

    In HTTP mode each request is a connection of its own, and under a flood of forged requests
    accepting, reading and closing connections is most of the work: uvloop's transports do it
    at a fraction of asyncio's cost (bench/abuse.py), and everything else runs unchanged.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(argv or [])
    if argv[:1] == ["--"]:  # `papers-bot slack -- --port 8080`
        argv = argv[1:]
    args = build_parser().parse_args(argv)
    try:
        return run_loop(serve(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    import sys

    from bot.settings import ConfigError

    try:
        sys.exit(main(sys.argv[1:]))
    except ConfigError as exc:
        note(f"papers-bot slack: error: {exc}")
        sys.exit(1)
