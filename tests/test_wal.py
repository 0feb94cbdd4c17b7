"""SQLite's WAL is checkpointed by a thread of its own, not inside the commits that requests wait for."""

import asyncio
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from api.db import wal
from api.db.connection import database_config, tortoise_config

from .conftest import ON_POSTGRES, make_settings, register, serve


def _checkpoint_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("wal-checkpoint")]


async def test_a_checkpoint_copies_every_committed_page_into_the_database(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.execute("CREATE TABLE t (n INTEGER)")
        for n in range(50):
            db.execute("INSERT INTO t VALUES (?)", [n])
        checkpointer = wal.Checkpointer(path)
        try:
            busy, pages, copied = await checkpointer.checkpoint()
        finally:
            await checkpointer.stop()
    assert busy == 0
    assert pages > 0
    assert copied == pages


def test_the_requests_connection_checkpoints_only_as_a_backstop(tmp_path: Path) -> None:
    credentials = tortoise_config(f"sqlite://{tmp_path}/auth.sqlite3")["connections"]["default"][
        "credentials"
    ]
    assert credentials["wal_autocheckpoint"] == wal.BACKSTOP_PAGES
    in_memory = tortoise_config("sqlite://:memory:")["connections"]["default"]["credentials"]
    assert "wal_autocheckpoint" not in in_memory


async def test_the_service_checkpoints_in_its_own_thread_while_it_runs(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url=fresh_database_url)
    async with serve(settings) as (_app, client):
        await register(client, "alice")
        for _ in range(200):
            if _checkpoint_threads():
                break
            await asyncio.sleep(0.01)
        # a SQLite file has its checkpointer; PostgreSQL has no WAL of ours to look after
        assert bool(_checkpoint_threads()) is not ON_POSTGRES
    assert _checkpoint_threads() == []


def test_every_acknowledged_commit_is_synced_unless_the_setting_relaxes_it(tmp_path: Path) -> None:
    def synchronous(**overrides: object) -> object:
        settings = make_settings(tmp_path, database_url=f"sqlite://{tmp_path}/auth.sqlite3", **overrides)
        return database_config(settings)["connections"]["default"]["credentials"]["synchronous"]

    assert synchronous() == "FULL"
    assert synchronous(sqlite_synchronous="NORMAL") == "NORMAL"
    # a URL parameter wins
    url = f"sqlite://{tmp_path}/auth.sqlite3?synchronous=OFF"
    assert tortoise_config(url)["connections"]["default"]["credentials"]["synchronous"] == "OFF"


async def test_the_checkpoint_thread_survives_errors_and_stops_cleanly(tmp_path: Path) -> None:
    broken = tmp_path / "not-a-database.sqlite3"
    broken.write_bytes(b"this is not a SQLite file, " * 100)
    checkpointer = wal.Checkpointer(broken, interval=0.01)
    checkpointer.start()
    for _ in range(100):  # several rounds fail
        await asyncio.sleep(0.01)
    await checkpointer.stop()
    assert _checkpoint_threads() == []
