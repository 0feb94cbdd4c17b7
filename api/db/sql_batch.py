"""A few reads, or a read and a few fixed writes as one transaction, in one trip to SQLite's thread.

Tortoise's SQLite client sends each statement (and BEGIN, and COMMIT) to aiosqlite's thread and waits for
the answer: a refresh's rotation took seven trips and a login's new session four, and each trip costs the
event loop more than the statement costs SQLite, while the client's lock keeps every other query waiting.
Here the whole exchange is one function run in that thread, with the lock held as Tortoise's own transactions
hold it. PostgreSQL runs the same statements through Tortoise, the writes in one transaction.
"""

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from api.db import internals

Statement = tuple[str, Sequence[Any]]
Rows = list[dict[str, Any]]
# what to write, given what was read; on SQLite it runs in the database's thread, so it only computes
Plan = Callable[[Rows], Sequence[Statement]]
_T = TypeVar("_T")


async def read(statements: Sequence[Statement]) -> list[Rows]:
    """The rows of each statement, read in one trip."""
    client = connections.get("default")
    if client.capabilities.dialect == "sqlite" and not internals.in_transaction_client(client):

        def reads(db: sqlite3.Connection) -> list[Rows]:
            return [[dict(row) for row in db.execute(*statement).fetchall()] for statement in statements]

        return await _run_in_sqlite_thread(client, reads)
    return [await client.execute_query_dict(sql, list(values)) for sql, values in statements]


async def write(statements: Sequence[Statement]) -> None:
    """Run the statements in one transaction."""
    await read_then_write(None, lambda _rows: statements)


async def read_then_write(
    read: Statement | None, plan: Plan, *, guarded: bool = False, synced: bool = True
) -> tuple[Rows, bool]:
    """The rows of `read`, then `plan`'s statements, in one transaction; with `guarded`, all or none of them,
    depending on whether the first changes a row.

    The read is made inside the write transaction (on SQLite, after taking the write lock; on PostgreSQL, a
    read that must not change before the writes locks its rows with FOR UPDATE), so nothing committed in
    between can contradict what the plan saw. The answer is the rows, and whether the writes were made (False
    too when `plan` made none).

    `synced=False` (SQLite): the commit does not wait for the disk; the next synced commit carries it there.
    """
    client = connections.get("default")
    if client.capabilities.dialect == "sqlite" and not internals.in_transaction_client(client):
        return await _in_sqlite_thread(client, read, plan, guarded=guarded, synced=synced)
    async with in_transaction() as connection:
        rows = await connection.execute_query_dict(read[0], list(read[1])) if read is not None else []
        statements = plan(rows)
        if not statements:
            return rows, False
        for index, (sql, values) in enumerate(statements):
            changed, _ = await connection.execute_query(sql, list(values))
            if guarded and index == 0 and not changed:
                return rows, False
    return rows, True


async def _in_sqlite_thread(
    client: BaseDBAsyncClient, read: Statement | None, plan: Plan, *, guarded: bool, synced: bool
) -> tuple[Rows, bool]:
    def exchange(db: sqlite3.Connection) -> tuple[Rows, bool]:
        # IMMEDIATE takes the write lock at once, waiting up to busy_timeout behind other workers: the read
        # sees every commit before it, and none can come between it and the writes
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = [dict(row) for row in db.execute(*read).fetchall()] if read is not None else []
            statements = plan(rows)
            if not statements:
                db.execute("ROLLBACK")
                return rows, False
            for index, (sql, values) in enumerate(statements):
                if db.execute(sql, values).rowcount == 0 and guarded and index == 0:
                    db.execute("ROLLBACK")
                    return rows, False
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return rows, True

    def unsynced_exchange(db: sqlite3.Connection) -> tuple[Rows, bool]:
        # in WAL mode the level in force at COMMIT decides whether it syncs the WAL; it can change only
        # outside a transaction, and goes back to the connection's own level right after
        level = int(db.execute("PRAGMA synchronous").fetchone()[0])
        db.execute("PRAGMA synchronous=NORMAL")
        try:
            return exchange(db)
        finally:
            db.execute(f"PRAGMA synchronous={level}")

    return await _run_in_sqlite_thread(client, exchange if synced else unsynced_exchange)


async def _run_in_sqlite_thread(client: BaseDBAsyncClient, work: Callable[[sqlite3.Connection], _T]) -> _T:
    async with client.acquire_connection() as connection:
        try:
            done: _T = await internals.run_in_sqlite_thread(connection, work)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(exc) from exc
        except sqlite3.OperationalError as exc:
            raise OperationalError(exc) from exc
    return done
