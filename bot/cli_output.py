"""The command line's output, and a quiet exit when it cannot be written.

Two kinds of writes, kept apart:

- `emit`: the command's output on stdout (a digest, help, a version, an invite link). When it cannot
  be written the command fails: `papers-bot digest | head -1` closes the pipe after one line, `>
  /dev/full` fills the disk, `>&-` starts Python with no stdout at all (sys.stdout is None, where
  print() would write nothing and say nothing). `run_cli` turns each into an exit without a
  traceback, following Python's "Note on SIGPIPE" (docs.python.org/3/library/signal.html
  #note-on-sigpipe): catch the error, flush inside the guarded block, point the failed stream at
  os.devnull so the interpreter's own flush at exit has nothing left to fail on, and exit. SIGPIPE
  is not reset to SIG_DFL, which the note warns against (a socket error would then kill the apps).
- `note`: every other line (progress, error messages on stderr; a server's start line). Written when
  the stream takes it, dropped when it does not: it never stops the output, never changes the exit
  status, and never goes to the other stream (print() falls back to stdout when sys.stderr is
  None, which would mix an error message into `--format json | jq`).

Exit status: a reader that went away (EPIPE) exits 141, the status a shell reports for a program
killed by SIGPIPE (128 + 13, as `yes | head -1` does), so `set -o pipefail` scripts treat papers-bot
like any other filter; it prints nothing. Any other output error (a full disk, a closed stdout, an
I/O error) is a real failure: one line on stderr when stderr still works (as `echo x >&-` says
"write error: Bad file descriptor"), and status 1. A command that fails for another reason keeps its
own status even when its error line cannot be written (`... 2>&1 | true` exits 1, not 141).

`ArgumentParser` routes argparse's help, usage, version and error text the same way; argparse itself
swallows write errors, so `--help > /dev/full` would otherwise exit 0 with nothing written.

Limits: only writes made through `emit` / `note` / `ArgumentParser`, and the final flush of
sys.stdout, are guarded; log records go through `logging`, whose handlers deal with their own write
errors.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
from collections.abc import Callable
from gettext import gettext
from typing import Literal, NoReturn, TextIO

SIGPIPE_STATUS = 128 + signal.SIGPIPE  # 141
FAILED_STATUS = 1


class OutputError(Exception):
    """stdout refused a write or flush, or is closed; `error` says why."""

    def __init__(self, error: OSError) -> None:
        super().__init__(f"cannot write to stdout: {error.strerror or error}")
        self.error = error


def emit(text: str = "", *, end: str = "\n", flush: bool = False) -> None:
    """`print(text)` to stdout, the command's output; raises OutputError when it cannot be written."""
    stream = sys.stdout
    if stream is None:  # started with stdout closed (`>&-`)
        raise OutputError(OSError(errno.EBADF, os.strerror(errno.EBADF)))
    try:
        print(text, file=stream, end=end, flush=flush)
    except OSError as exc:
        raise OutputError(exc) from exc


def note(text: str = "", *, end: str = "\n", stream: Literal["stderr", "stdout"] = "stderr") -> None:
    """`print(text)` to `stream`, flushed, for a line that is not the command's output.

    Dropped when the stream is closed or refuses it (the stream is then pointed at os.devnull, so
    later writes and the exit flush cannot fail either). Never raises an output error.
    """
    target = sys.stderr if stream == "stderr" else sys.stdout
    if target is None:
        return
    try:
        print(text, file=target, end=end, flush=True)
    except OSError:
        _discard(target)
    except ValueError:  # the file object itself was closed
        pass


class ArgumentParser(argparse.ArgumentParser):
    """argparse that writes help, usage and version text with `emit` and its errors with `note`.

    argparse writes through `_print_message(message, file)`, passing sys.stdout for help, usage
    and version text (CPython's Lib/argparse.py, since 3.2) and ignoring OSError there; `error` and
    `exit` write to stderr, and `error` would send its usage line to stdout when stderr is closed.
    So `_print_message` writes stdout with `emit` (a closed stdout arrives as None: an error), and
    `error` / `exit` write with `note`. Sub-parsers are made of the same class.
    """

    def _print_message(self, message: str, file: TextIO | None = None) -> None:  # type: ignore[override]
        if not message:
            return
        if file is sys.stdout:  # also None when stdout is closed: emit() says so
            emit(message, end="")
        elif file is None or file is sys.stderr:  # argparse's warnings; None: stderr is closed
            note(message, end="")
        else:  # a file a caller chose (print_help(file=...)): its errors are the caller's
            file.write(message)

    def error(self, message: str) -> NoReturn:
        """argparse's usage error (usage and `prog: error: message` on stderr, status 2)."""
        note(self.format_usage(), end="")
        self.exit(2, gettext("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message})

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            note(message, end="")
        sys.exit(status)


def run_cli(main: Callable[[], int], *, prog: str = "papers-bot") -> int:
    """Run a command-line entry point and return its exit status; never a traceback for output.

    `main` returns a status or raises SystemExit (argparse's --help, --version and usage errors,
    passed on after the flush). Raises whatever `main` raises other than OutputError.
    """
    _hold_closed_standard_descriptors()
    try:
        try:
            status = main()
        except SystemExit:
            _flush_stdout()  # --help's text may still sit in the buffer
            raise
        _flush_stdout()
        return status
    except OutputError as exc:
        return _output_failed(exc, prog)


def _hold_closed_standard_descriptors() -> None:
    """Open os.devnull on each of the descriptors 0, 1, 2 that the process was started without.

    A process started with `>&-` has no descriptor 1, so the next file or socket it opens gets
    number 1: a listening socket of the server, which then receives whatever a library writes to
    "standard output" (seen here: uvloop aborted the Slack app on SIGTERM that way). The usual
    daemon practice (W. R. Stevens, "Advanced Programming in the UNIX Environment", 13.3) is to hold
    the slots with /dev/null. `sys.stdout` stays None, so `emit` still reports a closed stdout.
    """
    for fd in (0, 1, 2):  # in order: lower slots are filled first, so os.open returns `fd`
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)


def _flush_stdout() -> None:
    if sys.stdout is None:  # nothing was written: emit() would have raised
        return
    try:
        sys.stdout.flush()
    except OSError as exc:
        raise OutputError(exc) from exc


def _output_failed(exc: OutputError, prog: str) -> int:
    _discard(sys.stdout)
    if exc.error.errno == errno.EPIPE:
        return SIGPIPE_STATUS  # the reader has what it wanted: nothing to report
    note(f"{prog}: error: {exc}")
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
