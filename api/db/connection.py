"""The Tortoise configuration built from settings, and the database health check."""

import asyncio
from pathlib import Path
from typing import Any

from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url

from api.config import Settings, get_settings
from api.db import wal

MODELS = ["api.db.models"]
MIGRATIONS = "api.db.migrations"
_SQLITE_ENGINE = "tortoise.backends.sqlite"
_HEALTH_TIMEOUT_SECONDS = 2.0


def apps_config() -> dict[str, dict[str, Any]]:
    """Tortoise's apps: our models and their migrations (read when called: a test may point it elsewhere)."""
    return {"models": {"models": MODELS, "migrations": MIGRATIONS, "default_connection": "default"}}


def tortoise_config(database_url: str, *, synchronous: str = "FULL") -> dict[str, Any]:
    """The Tortoise config dict for one database URL and this project's models."""
    connection = expand_db_url(database_url)
    if connection["engine"] == _SQLITE_ENGINE:
        # several workers share one SQLite file: wait for the write lock instead of failing at once
        connection["credentials"].setdefault("busy_timeout", 5000)
        # FULL: an acknowledged commit survives a power cut (each commit syncs the WAL); NORMAL risks the last
        # few commits for fewer syncs (SQLITE_SYNCHRONOUS; a `synchronous` URL parameter wins over both)
        connection["credentials"].setdefault("synchronous", synchronous)
        if sqlite_file(database_url) is not None:
            # wal.Checkpointer copies the WAL in its own thread; this connection's checkpoint is the backstop
            connection["credentials"].setdefault("wal_autocheckpoint", wal.BACKSTOP_PAGES)
    return {
        "connections": {"default": connection},
        "apps": apps_config(),
        "use_tz": True,
        "timezone": "UTC",
    }


def database_config(settings: Settings) -> dict[str, Any]:
    """The Tortoise config dict for these settings."""
    return tortoise_config(settings.database_url, synchronous=settings.sqlite_synchronous)


def sqlite_file(database_url: str) -> Path | None:
    """The SQLite database file, or None for other databases and in-memory SQLite."""
    connection = expand_db_url(database_url)
    if connection["engine"] != _SQLITE_ENGINE:
        return None
    file_path = str(connection["credentials"]["file_path"])
    if file_path == ":memory:" or file_path.startswith("file::memory:"):
        return None
    return Path(file_path)


def sqlite_folder(database_url: str) -> Path | None:
    """The folder of a SQLite database file, or None for other databases and in-memory SQLite."""
    path = sqlite_file(database_url)
    return path.parent if path is not None else None


async def database_is_reachable() -> bool:
    """Whether the database answers a trivial query within a short time."""
    try:
        async with asyncio.timeout(_HEALTH_TIMEOUT_SECONDS):
            await connections.get("default").execute_query("SELECT 1")
    except Exception:  # any failure at all means "not reachable" to a health check
        return False
    return True


def __getattr__(name: str) -> Any:
    # `tortoise makemigrations` reads `api.db.connection.TORTOISE_ORM` (pyproject's [tool.tortoise]): built
    # when asked
    if name == "TORTOISE_ORM":
        return database_config(get_settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
