"""The Tortoise configuration built from settings, schema creation, and the database health check."""

import asyncio
from pathlib import Path
from typing import Any

from tortoise import BaseDBAsyncClient, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.utils import get_schema_sql

MODELS = ["api.models"]
_SQLITE_ENGINE = "tortoise.backends.sqlite"
# any constant works; it names the lock that serialises schema creation across workers
_SCHEMA_LOCK_ID = 0x61757468
_HEALTH_TIMEOUT_SECONDS = 2.0


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for one database URL and this project's models."""
    connection = expand_db_url(database_url)
    if connection["engine"] == _SQLITE_ENGINE:
        # several workers share one SQLite file: wait for the write lock instead of failing at once
        connection["credentials"].setdefault("busy_timeout", 5000)
        # WAL's recommended durability: no corruption, at most the last commits lost on a power cut
        connection["credentials"].setdefault("synchronous", "NORMAL")
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": MODELS, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def sqlite_folder(database_url: str) -> Path | None:
    """The folder of a SQLite database file, or None for other databases and in-memory SQLite."""
    connection = expand_db_url(database_url)
    if connection["engine"] != _SQLITE_ENGINE:
        return None
    file_path = str(connection["credentials"]["file_path"])
    if file_path == ":memory:" or file_path.startswith("file::memory:"):
        return None
    return Path(file_path).parent


async def create_schema() -> None:
    """Create the missing tables; on PostgreSQL under an advisory lock, so workers never race."""
    client: BaseDBAsyncClient = connections.get("default")
    schema = get_schema_sql(client, safe=True)
    if client.capabilities.dialect != "postgres":
        await client.execute_script(schema)
        return
    # two workers running CREATE TABLE IF NOT EXISTS at once collide on pg_type/pg_class unique keys
    async with client.acquire_connection() as connection:
        await connection.execute("SELECT pg_advisory_lock($1)", _SCHEMA_LOCK_ID)
        try:
            await connection.execute(schema)
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", _SCHEMA_LOCK_ID)


async def database_is_reachable() -> bool:
    """Whether the database answers a trivial query within a short time."""
    try:
        async with asyncio.timeout(_HEALTH_TIMEOUT_SECONDS):
            await connections.get("default").execute_query("SELECT 1")
    except Exception:  # any failure at all means "not reachable" to a health check
        return False
    return True
