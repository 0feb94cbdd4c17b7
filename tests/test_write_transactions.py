"""`writing()`: an administrator's change holds SQLite's write lock from its start, so another worker's commit
cannot come between its reads and its writes (a DEFERRED transaction would fail its first write then)."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.db.models import Role
from api.db.transactions import writing

from .conftest import ON_POSTGRES, direct_writes, make_settings, serve


def another_worker(database_url: str) -> sqlite3.Connection:
    """A second connection to the same SQLite file, as another worker process has; it never waits."""
    return sqlite3.connect(database_url.removeprefix("sqlite://"), isolation_level=None, timeout=0)


async def test_another_worker_cannot_write_between_an_administrators_reads_and_writes(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url=fresh_database_url)
    async with serve(settings) as (_, client), direct_writes(client):
        async with writing():
            assert not await Role.exists(name="billing")
            if not ON_POSTGRES:
                other = another_worker(fresh_database_url)
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
                other.close()
            await Role.create(name="billing", description=None, created_at=datetime.now(UTC))
        assert await Role.exists(name="billing")


async def test_a_change_that_fails_inside_leaves_nothing(tmp_path: Path, fresh_database_url: str) -> None:
    settings = make_settings(tmp_path, database_url=fresh_database_url)
    async with serve(settings) as (_, client), direct_writes(client):
        with pytest.raises(RuntimeError):
            async with writing():
                await Role.create(name="billing", description=None, created_at=datetime.now(UTC))
                raise RuntimeError("the change goes wrong after its first write")
        assert not await Role.exists(name="billing")
        if not ON_POSTGRES:
            # and the lock went with it: another worker writes at once
            other = another_worker(fresh_database_url)
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other.close()


def test_services_open_transactions_only_through_writing() -> None:
    # a plain in_transaction() is DEFERRED on SQLite: its first read would let another worker's commit fail it
    api = Path(__file__).resolve().parent.parent / "api"
    plain = sorted(
        str(path.relative_to(api))
        for path in api.rglob("*.py")
        if path.parent.name != "db" and "in_transaction" in path.read_text()
    )
    assert plain == []
