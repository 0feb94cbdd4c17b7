"""What the hot path's fixed SQL needs to know of each dialect: placeholders, UUIDs and SQLite's datetimes."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tortoise import connections

Dialect = str  # "postgres" or "sqlite", as Tortoise's capabilities name them
# enough for the longest statement; str.format ignores the marks a statement does not use
_MARKS: dict[Dialect, tuple[str, ...]] = {
    "postgres": tuple(f"${n}" for n in range(1, 17)),
    "sqlite": ("?",) * 16,
}


def statements(**templates: str) -> dict[Dialect, dict[str, str]]:
    """Each statement written with `{0}`, `{1}`, ... for its parameters, in every dialect's placeholders."""
    return {
        dialect: {name: sql.format(*marks) for name, sql in templates.items()}
        for dialect, marks in _MARKS.items()
    }


def current() -> Dialect:
    """The dialect of the default connection."""
    dialect: Dialect = connections.get("default").capabilities.dialect
    return dialect


def uuid_parameter(value: uuid.UUID, dialect: Dialect) -> Any:
    """A UUID as a parameter: asyncpg takes the UUID itself, SQLite keeps it as text."""
    return value if dialect == "postgres" else str(value)


def parse_datetimes(row: dict[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """The row with these columns' ISO text (how SQLite hands datetimes back) parsed, in place.

    The standard parser is several times faster than Tortoise's; PostgreSQL's datetimes pass untouched.
    """
    for column in columns:
        row[column] = parse_datetime(row[column])
    return row


def parse_datetime(value: Any) -> Any:
    """A datetime from SQLite's ISO text; anything else as it is."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value
