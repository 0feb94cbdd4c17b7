"""The services' transactions: a change that reads before it writes stays safe beside other workers on one
SQLite file.

Tortoise begins SQLite transactions DEFERRED: the first read pins a snapshot, and if another worker commits
before this transaction's first write, that write fails at once with SQLITE_BUSY (busy_timeout cannot help:
the snapshot is stale). `writing()` makes the first statement a write that matches no row, which takes the
write lock at the start, waiting behind other writers for busy_timeout as any write does; every read inside
then sees the latest commit, and nobody else's can come between. PostgreSQL needs none of it (its reads and
writes in one transaction do not conflict so), and gets a plain transaction.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.transactions import in_transaction

from api.db import internals
from api.db.models import AuditEvent

# any table will do: the statement changes nothing, and only its intent to write takes the lock
_TAKE_WRITE_LOCK = f'UPDATE "{internals.table(AuditEvent)}" SET "id" = "id" WHERE 0'


@asynccontextmanager
async def writing() -> AsyncIterator[None]:
    """A transaction holding the write lock from its start on SQLite (a savepoint inside another one)."""
    async with in_transaction() as connection:
        if connection.capabilities.dialect == "sqlite":
            await connection.execute_query(_TAKE_WRITE_LOCK)
        yield
