"""`papers-bot` command line: `digest` for terminals, and the entry points of the chat apps.

Errors a user can cause (bad date, unreadable file, bad query, network down) end in one clear
line on stderr and a non-zero exit, never a traceback; so does output that cannot be written (a
reader that closed the pipe, a full disk, a closed stdout: bot/cli_output.py). Print the output
through `emit` and everything else (progress, errors) through `note`, never with `print`.

Start-up is part of every command's time (`digest --from-file` over 2,000 papers answers within a
second: bench/core.py), so what only some commands need is imported by them: the settings
(pydantic), the HF client (httpx) and asyncio by the commands that go to the network or Redis, the
chat apps by their own command. A `papers-bot digest` process runs without the cyclic garbage
collector and freezes what it made before exiting: the papers, their term sets and indexes are
~100,000 long-lived containers the collector would otherwise scan ~200 times during the digest and
again in the interpreter's final collections, for no garbage (0.15 s of a 2,000-paper topic digest,
measured); reference counting still frees everything, and the process ends with the digest.
`main(argv)` called from Python leaves the collector alone.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import __version__
from bot.cli_output import ArgumentParser, emit, note, run_cli
from bot.digest import Digest, build_digest
from bot.paper_ids import parse_paper_id
from bot.papers import Paper
from bot.platforms import PLATFORMS
from bot.ranking import FeedbackProfile, QueryError, TopicQuery
from bot.render import render_text
from bot.source.hf_parse import parse_items

if TYPE_CHECKING:
    from bot.settings import Settings

LOOKBACK_DAYS = 7  # without --date, walk back this far for the latest day that has a list

# Chat apps live in adapters/; they are imported only when their command runs.
PLATFORM_COMMANDS = {name: p.cli_module for name, p in PLATFORMS.items()}


class CLIError(Exception):
    """A problem the user can fix; printed as one line."""


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2025-10-15"
        ) from None


def _top(value: str) -> int:
    if not value.isdecimal() or not 1 <= int(value) <= 100:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 1 to 100")
    return int(value)


def _read_file(path: Path, day: date | None) -> tuple[date, list[Paper]]:
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CLIError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(items, list):
        raise CLIError(f"{path} must hold a JSON array of Daily Papers items, as the API returns")
    fallback = day or _day_from_name(path) or datetime.now(UTC).date()
    papers = parse_items(items, fallback)
    if day is None and papers:
        fallback = max(p.list_day for p in papers)
    return fallback, papers


def _day_from_name(path: Path) -> date | None:
    try:
        return date.fromisoformat(path.stem)
    except ValueError:
        return None


def _settings() -> Settings:
    """The settings from the environment; a setting that is missing or wrong ends in one line."""
    from bot.settings import ConfigError, load_settings

    try:
        return load_settings()
    except ConfigError as exc:
        raise CLIError(str(exc)) from None


def _fetch_latest(day: date | None) -> tuple[date, list[Paper]]:
    """The papers of `day` from the HF API, else of the latest of the last LOOKBACK_DAYS days with any."""
    import asyncio

    from bot.source import SourceUnavailable

    try:
        return asyncio.run(_fetch(_settings(), day, progress=_is_terminal(sys.stdout)))
    except SourceUnavailable as exc:
        advice = (
            "Try again then (HF_TOKEN raises the limit)"
            if exc.retry_at
            else "Check your connection or HF_ENDPOINT"
        )
        raise CLIError(f"{exc}. {advice}, or use --from-file.") from None


async def _fetch(settings: Settings, day: date | None, progress: bool) -> tuple[date, list[Paper]]:
    from bot.source import HFSource

    def report(when: date) -> Callable[[int, int], None]:
        def show(page: int, count: int) -> None:
            note(f"\rfetching {when}: page {page}, {count} papers", end="")

        return show

    days = [day] if day else [datetime.now(UTC).date() - timedelta(days=i) for i in range(LOOKBACK_DAYS)]
    async with HFSource(settings) as source:
        try:
            for when in days:
                papers = await source.fetch_day(when, report(when) if progress else None)
                if papers:
                    return when, papers
        finally:
            if progress:
                note()
    return days[0], []


def _is_terminal(stream: TextIO | None) -> bool:
    return stream is not None and stream.isatty()  # None: started with the stream closed


def _json(digest: Digest) -> str:
    papers = [
        {
            "id": entry.paper.id,
            "title": entry.paper.title,
            "url": entry.paper.hf_url,
            "upvotes": entry.paper.upvotes,
            "score": round(entry.score, 4),
            "matched_topics": list(entry.matched_topics),
            # the voted papers (--like / --dislike) it is most like, when they moved it
            **({"feedback": [e.paper_id for e in entry.feedback]} if entry.feedback else {}),
        }
        for entry in digest.entries
    ]
    return json.dumps({"date": digest.day.isoformat(), "papers": papers}, ensure_ascii=False, indent=2)


def _payloads_json(render: Callable[[Digest], list[dict[str, Any]]]) -> Callable[[Digest], str]:
    return lambda d: json.dumps(render(d), ensure_ascii=False, indent=2)


FORMATS: dict[str, Callable[[Digest], str]] = {
    "text": render_text,
    "json": _json,
    **{name: _payloads_json(p.render) for name, p in PLATFORMS.items()},
}


def run_digest(args: argparse.Namespace) -> int:
    try:
        topics = [TopicQuery.parse(text) for text in args.topic]
    except QueryError as exc:
        raise CLIError(f"bad --topic: {exc}") from None
    if args.from_file:
        day, papers = _read_file(args.from_file, args.date)
    else:
        day, papers = _fetch_latest(args.date)
    profile = _profile(papers, args.like, args.dislike)
    digest = build_digest(
        papers, day=day, top=args.top, now=datetime.now(UTC), topics=topics, profile=profile
    )
    emit(FORMATS[args.format](digest))
    return 0


def _profile(papers: list[Paper], liked: list[str], disliked: list[str]) -> FeedbackProfile:
    """The votes of --like / --dislike as a profile: each id (an arXiv id or paper link) must name a
    paper of the input; CLIError naming the first that does not, or a paper given both ways."""
    by_id = {p.id: p for p in papers}

    def resolve(option: str, typed: str) -> Paper:
        pid = parse_paper_id(typed)
        if pid is None:
            raise CLIError(f"{option} {typed!r} is not an arXiv id or paper link, e.g. 2510.12586")
        if pid not in by_id:
            raise CLIError(
                f"{option} {pid}: no such paper in the input ({len(by_id)} papers); vote only on listed papers"
            )
        return by_id[pid]

    liked_papers = [resolve("--like", typed) for typed in liked]
    disliked_papers = [resolve("--dislike", typed) for typed in disliked]
    try:
        return FeedbackProfile.from_papers(liked_papers, disliked_papers)
    except ValueError as exc:
        raise CLIError(f"--like and --dislike: {exc}") from None


def run_doctor(_args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from bot.doctor import report, run_checks

    logging.getLogger().setLevel(logging.CRITICAL)  # each failure is in the report, with its fix
    text, status = report(asyncio.run(run_checks(_settings())))
    emit(text)
    return status


def run_stop_redis(_args: argparse.Namespace) -> int:
    """The embedded Redis outlives the bot on purpose (processes share it); this ends it."""
    from bot.store.embedded import stop_embedded

    settings = _settings()
    if settings.redis_url:
        raise CLIError(
            "REDIS_URL is set: that Redis is not papers-bot's to stop; the embedded one is unused."
        )
    where = settings.papers_data_dir
    if stop_embedded(where):
        emit(f"Stopped the embedded Redis in {where}; its data was saved there.")
    else:
        emit(f"No embedded Redis is running in {where}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="papers-bot", description="Hugging Face Daily Papers for team chat.")
    parser.add_argument("--version", action="version", version=f"papers-bot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    digest = commands.add_parser(
        "digest",
        help="print a day's ranked papers",
        description="Print a day's Hugging Face Daily Papers, ranked (and filtered by --topic), from the HF "
        "API or a saved response; no Redis, no tokens.",
    )
    digest.add_argument(
        "--date",
        type=_day,
        help="list day YYYY-MM-DD (default: the latest day with papers; with --from-file, the latest "
        "day its papers name, else the file's name, e.g. 2025-10-15.json, else today)",
    )
    digest.add_argument("--top", type=_top, default=10, help="how many papers to show (1-100, default 10)")
    digest.add_argument("--topic", action="append", default=[], help="topic query, e.g. 'diffusion -video'")
    digest.add_argument(
        "--like",
        action="append",
        default=[],
        metavar="ID",
        help="a paper of the list the channel liked (arXiv id or link; repeatable): papers like it rank higher",
    )
    digest.add_argument(
        "--dislike",
        action="append",
        default=[],
        metavar="ID",
        help="a paper of the list the channel disliked (repeatable): papers like it rank lower",
    )
    digest.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format")
    digest.add_argument(
        "--from-file",
        type=Path,
        metavar="FILE",
        help="a saved API response (the JSON array /api/daily_papers returns) instead of the network",
    )
    digest.set_defaults(run=run_digest)
    doctor = commands.add_parser(
        "doctor",
        help="check Redis, the HF API and each configured token",
        description="Check Redis, the Hugging Face API and each configured chat token, and print the fix "
        "for each problem; exits 1 when something failed.",
    )
    doctor.set_defaults(run=run_doctor)
    stop_redis = commands.add_parser(
        "stop-redis",
        help="stop the embedded Redis (REDIS_URL unset), saving its data; the bot restarts it",
        description="Stop the embedded Redis of PAPERS_DATA_DIR (used when REDIS_URL is unset), saving its "
        "data; the next bot process starts it again.",
    )
    stop_redis.set_defaults(run=run_stop_redis)
    for name, p in PLATFORMS.items():  # listed for --help; main() hands their arguments to the app
        commands.add_parser(name, help=f"run the {p.title} app (`papers-bot {name} --help`)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `papers-bot ARGV...` and return the exit status (SystemExit from --help and usage errors).
    Without `argv` (the program itself, arguments from sys.argv) a digest turns the cyclic garbage
    collector off for the rest of the process and freezes its objects on return (see the module
    docstring)."""
    if argv is not None:
        return run_cli(lambda: _run(list(argv)))
    args = sys.argv[1:]
    if args[:1] != ["digest"]:
        return run_cli(lambda: _run(args))
    gc.disable()
    try:
        return run_cli(lambda: _run(args))
    finally:
        gc.freeze()  # the interpreter's collections at exit skip the digest's objects


def _run(argv: list[str]) -> int:
    try:
        if argv and argv[0] in PLATFORM_COMMANDS:  # a chat app parses its own options
            return _run_app(PLATFORM_COMMANDS[argv[0]], argv[1:])
        parser = build_parser()
        if not argv:  # a newcomer's first try: what there is to run, not only "COMMAND is required"
            parser.print_help()
            return 2
        args = parser.parse_args(argv)
        return args.run(args)
    except CLIError as exc:
        note(f"papers-bot: error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130


def _run_app(module: str, argv: list[str]) -> int:
    """Run a chat app's `main(argv)`; its ConfigError (a setting missing or wrong) becomes one line."""
    from bot.settings import ConfigError  # every chat app reads the settings

    try:
        return importlib.import_module(module).main(argv)
    except ConfigError as exc:
        raise CLIError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
