"""The audit writer's batch: many events in one multi-row INSERT, one trip and one transaction.

Every refresh is an event, and the worker's core pays for storing it: Tortoise's `bulk_create` (a model per
row) took 30-40 µs a row, this statement about 20 (mostly SQLite's own insert and its two indexes), against
~800 µs of a refresh. On SQLite the commit does not wait for the disk (the next synced commit carries it
there): the event is in the log line already, and a crash loses the unsaved batch anyway.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from api.db import dialect, sql_batch

COLUMNS = ("at", "event", "outcome", "user_id", "actor_id", "client_id", "ip", "user_agent", "details")
# SQLite allows 32766 parameters in a statement, PostgreSQL 32767
ROWS_PER_STATEMENT = 500
Row = tuple[datetime, str, str, int | None, int | None, str | None, str | None, str | None, str]


async def insert(rows: Sequence[Row]) -> None:
    """Store these rows (`details` as JSON text), in one transaction."""
    postgres = dialect.current() == "postgres"
    statements: list[sql_batch.Statement] = []
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        values: list[Any] = [value for row in chunk for value in row]
        marks = [f"${n}" if postgres else "?" for n in range(1, len(values) + 1)]
        width = len(COLUMNS)
        tuples = ", ".join(f"({', '.join(marks[i : i + width])})" for i in range(0, len(marks), width))
        statements.append((f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES {tuples}", values))
    await sql_batch.read_then_write(None, lambda _rows: statements, synced=False)
