"""The private parts of Tortoise and aiosqlite that `api/db/internals.py` relies on still exist and behave.

A dependency upgrade that changes one fails here, naming what changed, before anything subtler breaks.
"""

import os
import re
import sqlite3
from pathlib import Path

import aiosqlite
import asyncpg
import httpx
import pytest
from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.transactions import in_transaction

from api.db import changes, internals
from api.db.models import Session, User

from .conftest import ON_POSTGRES, TEST_DATABASE_URL, register

PRIVATE = "a private API that api/db/internals.py relies on changed: "


def test_models_still_name_their_tables_and_fields() -> None:
    assert internals.table(User) == "users", PRIVATE + "Model._meta.db_table"
    assert {"id", "username_key", "password_hash"} <= internals.columns(User), (
        PRIVATE + "fields_db_projection"
    )
    assert internals.field(Session, "last_used_at").to_python_value(None) is None, PRIVATE + "fields_map"


async def test_a_model_is_still_built_from_a_row(client: httpx.AsyncClient) -> None:
    assert (await register(client, "alice")).status_code == 201
    [row] = await connections.get("default").execute_query_dict('SELECT * FROM "users"')
    user = internals.from_row(User, row)
    assert (user.username, user.id, user._saved_in_db) == ("alice", row["id"], True), (
        PRIVATE + "_init_from_db"
    )


@pytest.mark.usefixtures("client")
async def test_a_transaction_client_is_still_told_apart() -> None:
    assert not internals.in_transaction_client(connections.get("default"))
    async with in_transaction() as connection:
        assert internals.in_transaction_client(connection), PRIVATE + "TransactionalDBClient"


async def test_a_function_still_runs_in_aiosqlites_thread(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "t.sqlite3") as connection:

        def work(db: sqlite3.Connection) -> int:
            value: int = db.execute("SELECT 41 + 1").fetchone()[0]
            return value

        assert await internals.run_in_sqlite_thread(connection, work) == 42, (
            PRIVATE + "aiosqlite _execute/_conn"
        )


async def test_bulk_writes_still_take_their_step_before_and_after(client: httpx.AsyncClient) -> None:
    assert (await register(client, "alice")).status_code == 201
    alice = await User.get(username_key="alice")
    seen: list[tuple[list[object], int]] = []
    update = internals.noted_update(
        User.filter(id=alice.id), {"full_name": "A"}, user_field="id", noted=lambda u, n: seen.append((u, n))
    )
    delete = internals.noted_delete(
        User.filter(id=-1), user_field="id", noted=lambda u, n: seen.append((u, n))
    )
    assert (await update, await delete) == (1, 0), PRIVATE + "UpdateQuery/DeleteQuery"
    assert seen == [([alice.id], 1), ([], 0)]
    assert (await User.get(id=alice.id)).full_name == "A"
    with pytest.raises(changes.UntrackedChange):  # the tracked manager goes through them
        await User.filter(id=alice.id).update(full_name="B")


async def test_the_change_feed_still_connects_as_tortoises_pool_does() -> None:
    # a PostgreSQL client of its own (not the tests' connection), on the machine's server in either run
    url = TEST_DATABASE_URL if ON_POSTGRES else "postgres://postgres@127.0.0.1:5432/postgres"
    credentials = expand_db_url(f"{url}?application_name=auth-feed-check")["credentials"]
    client = AsyncpgDBClient(connection_name="feed_check", **credentials)
    try:
        await client.create_connection(with_db=True)
    except OSError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    try:
        arguments = internals.postgres_connect_arguments(client)
        assert {"host", "port", "user", "database", "password"} <= arguments.keys(), PRIVATE + "_template"
        assert arguments["server_settings"] == {"application_name": "auth-feed-check"}  # URL parameters kept
        assert not {"min_size", "max_size", "loop"} & arguments.keys()
        connection = await asyncpg.connect(**arguments)
        try:
            assert (
                await connection.fetchval("SELECT current_setting('application_name')") == "auth-feed-check"
            )
        finally:
            await connection.close()
    finally:
        await client.close()


def test_no_other_module_reaches_into_them() -> None:
    api = Path(__file__).resolve().parent.parent / "api"
    private = re.compile(
        r"\._meta\b|_init_from_db|\._execute\(|\._conn\b|TransactionalDBClient|\._template\b|\._q_objects\b"
    )
    offenders = {
        str(path.relative_to(api)): private.findall(path.read_text())
        for path in api.rglob("*.py")
        if path.name != "internals.py" and "migrations" not in path.parts
    }
    assert {path: names for path, names in offenders.items() if names} == {}
