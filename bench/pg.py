"""A throwaway PostgreSQL database for the service measured on PostgreSQL (BENCH_POSTGRES_URL)."""

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

# the server, without a database name; the bench makes a database of its own there and drops it after
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(f"{SERVER}/postgres", timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def database() -> Iterator[str | None]:
    """The URL of a new, empty database, dropped afterwards; None (with a message) when there is no server."""
    name = f"bench_{secrets.token_hex(4)}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"no PostgreSQL at {SERVER} ({exc}): the PostgreSQL measure is left out")
        yield None
        return
    try:
        yield f"{SERVER}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
