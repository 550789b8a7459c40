"""The command line's output, and a quiet exit when it cannot be written.

`papers-bot digest | head -1` closes the pipe after one line; `> /dev/full` fills the disk. Either way
writing stdout fails with an OSError (EPIPE, ENOSPC, EIO, ...). `run_cli` turns that into an exit
without a traceback, following Python's "Note on SIGPIPE" (docs.python.org/3/library/signal.html
#note-on-sigpipe): catch the error, flush inside the guarded block, point the failed stream at
os.devnull so the interpreter's own flush at exit has nothing left to fail on, and exit. SIGPIPE is
not reset to SIG_DFL, which the note warns against (a socket error would then kill the chat apps).

Exit status: a reader that went away (EPIPE) exits 141, the status a shell reports for a program
killed by SIGPIPE (128 + 13, as `yes | head -1` does), so `set -o pipefail` scripts treat papers-bot
like any other filter; it prints nothing. Any other output error (a full disk, an I/O error) is a real
failure: one line on stderr when stderr still works, and status 1.

Limits: only writes made through `emit`, and the final flush of sys.stdout / sys.stderr, are guarded;
log records go through `logging`, whose handlers already swallow their own write errors.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from collections.abc import Callable
from typing import TextIO

SIGPIPE_STATUS = 128 + signal.SIGPIPE  # 141
FAILED_STATUS = 1


class OutputError(Exception):
    """stdout or stderr (`stream`: "stdout" / "stderr") refused a write or flush; `error` says why."""

    def __init__(self, stream: str, error: OSError) -> None:
        super().__init__(f"cannot write to {stream}: {error.strerror or error}")
        self.stream = stream
        self.error = error


def emit(text: str = "", *, file: TextIO | None = None, end: str = "\n", flush: bool = False) -> None:
    """`print(text)` to `file` (default sys.stdout); raises OutputError when it cannot be written."""
    stream = sys.stdout if file is None else file
    try:
        print(text, file=stream, end=end, flush=flush)
    except OSError as exc:
        raise OutputError(_name(stream), exc) from exc


def run_cli(main: Callable[[], int], *, prog: str = "papers-bot") -> int:
    """Run a command-line entry point and return its exit status; never a traceback for output.

    `main` returns a status or raises SystemExit (argparse's --help, --version and usage errors,
    passed on after the flush). Raises whatever `main` raises other than OutputError.
    """
    try:
        try:
            status = main()
        except SystemExit:
            _flush_all()  # --help's text may still sit in the buffer
            raise
        _flush_all()
        return status
    except OutputError as exc:
        return _output_failed(exc, prog)


def _flush_all() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # no console at all (pythonw)
            continue
        try:
            stream.flush()
        except OSError as exc:
            raise OutputError(_name(stream), exc) from exc


def _output_failed(exc: OutputError, prog: str) -> int:
    failed = sys.stdout if exc.stream == "stdout" else sys.stderr
    _discard(failed)
    if exc.error.errno == errno.EPIPE:
        return SIGPIPE_STATUS  # the reader has what it wanted: nothing to report
    if exc.stream == "stdout":
        try:
            print(f"{prog}: error: {exc}", file=sys.stderr, flush=True)
        except OSError:
            _discard(sys.stderr)
    return FAILED_STATUS


def _discard(stream: TextIO | None) -> None:
    """Point `stream`'s file descriptor at os.devnull: what is still buffered goes nowhere."""
    try:
        fd = stream.fileno() if stream is not None else -1
    except (OSError, ValueError, AttributeError):  # not a real file (tests' capture buffers)
        return
    if fd < 0:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _name(stream: TextIO) -> str:
    return "stderr" if stream is sys.stderr else "stdout"
