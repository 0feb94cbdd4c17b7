"""The database schema: Tortoise's migrations applied once under a lock, and a 0.1.0 database adopted."""

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import BaseDBAsyncClient, connections
from tortoise.exceptions import DBConnectionError
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget
from tortoise.migrations.graph import MigrationKey
from tortoise.migrations.schema_generator.state import State
from tortoise.migrations.schema_generator.state_apps import StateApps
from tortoise.transactions import in_transaction

from api.db import connection, internals

APP = "models"
# the first migration is 0.1.0's schema, which 0.1.0 created without recording any history
FIRST = "0001_initial"
ADOPTED = " (adopts the tables made by 0.1.0)"
# any constant works; it names the PostgreSQL advisory lock that serialises migrations across processes
_LOCK_ID = 0x61757468


class SchemaError(Exception):
    """The schema cannot be brought up to date; the message says why and what to do."""


class DatabaseUnreachable(SchemaError):
    """The database did not answer."""


class SchemaBehind(SchemaError):
    """Migrations are pending and AUTO_MIGRATE is off."""


class MigrationFailed(SchemaError):
    """A migration raised; it was rolled back."""


class UnknownTables(SchemaError):
    """The database holds some of our tables, but not as any release made them."""


def _executor() -> MigrationExecutor:
    return MigrationExecutor(connections.get("default"), connection.apps_config())


async def pending() -> list[str]:
    """The migrations not yet applied, in order, e.g. `["models.0002_email"]`; applies nothing."""
    client = await _connect()
    adopt = await _holds_release_0_1(client)
    steps = await _executor().plan()
    return [
        f"{step.migration.app_label}.{step.migration.name}"
        + (ADOPTED if adopt and step.migration.name == FIRST else "")
        for step in steps
        if not step.backward
    ]


async def upgrade() -> list[str]:
    """Apply every pending migration under a lock (adopting a 0.1.0 database first); what was done."""
    client = await _connect()
    async with _schema_lock(client):
        done: list[str] = []
        if await _holds_release_0_1(client):
            await _executor().migrate([MigrationTarget(app_label=APP, name=FIRST)], fake=True)
            done.append(f"{APP}.{FIRST}{ADOPTED}")
        executor = _executor()
        if not done and not await _columns(client):
            return await _build_empty(client, executor)
        current: list[str] = []

        def progress(event: str, app_label: str, name: str) -> None:
            if event == "apply_start":
                current[:] = [f"{app_label}.{name}"]
            elif event == "apply_done":
                done.append(current.pop())

        try:
            await executor.migrate(direction="forward", progress=progress)
        except Exception as exc:  # any database error: the migration's transaction was rolled back
            name = current[0] if current else "the migration history"
            raise MigrationFailed(
                f"migration {name} failed and was rolled back, so the database is as it was before it"
                f" ({len(done)} earlier migration(s) of this run stay applied): {exc}"
            ) from exc
    return done


# the SQL that builds the whole schema on an empty database, per dialect, collected once per process: applying
# the migrations one by one recomputes Tortoise's model state at every operation, about a second each time
_EMPTY_DATABASE_SQL: dict[str, list[str]] = {}


async def _build_empty(client: BaseDBAsyncClient, executor: MigrationExecutor) -> list[str]:
    """An empty database gets every migration's SQL in one transaction, then the history records them all."""
    names = [step.migration.name for step in await executor.plan() if not step.backward]
    dialect = client.capabilities.dialect
    statements = _EMPTY_DATABASE_SQL.get(dialect)
    if statements is None:
        statements = [
            sql
            for name in names
            for sql in await executor.collect_sql(APP, name)
            if sql.strip() and not sql.lstrip().startswith("--")
        ]
        _EMPTY_DATABASE_SQL[dialect] = statements
    try:
        async with in_transaction(client.connection_name) as transaction:
            for statement in statements:
                await transaction.execute_script(statement)
    except Exception as exc:  # any database error: the transaction was rolled back
        raise MigrationFailed(f"building the schema failed and was rolled back: {exc}") from exc
    await executor.migrate(fake=True)
    return [f"{APP}.{name}" for name in names]


async def require_current() -> None:
    """Raise SchemaBehind, naming the command to run, when any migration is pending."""
    if names := await pending():
        raise SchemaBehind(
            f"the database schema is behind: {', '.join(names)} pending and AUTO_MIGRATE is false;"
            " run `python run.py migrate` first (or set AUTO_MIGRATE=true)"
        )


async def _connect() -> BaseDBAsyncClient:
    client: BaseDBAsyncClient = connections.get("default")
    try:
        await client.execute_query("SELECT 1")
    except (OSError, DBConnectionError) as exc:
        raise DatabaseUnreachable(f"cannot reach the database: {exc}") from exc
    return client


async def _holds_release_0_1(client: BaseDBAsyncClient) -> bool:
    """Whether 0.1.0 made the tables (no history, the first migration's tables): they need adopting."""
    if await _executor().recorder.applied_migrations():
        return False
    expected = await _first_migration_columns()
    found = {table: columns for table, columns in (await _columns(client)).items() if table in expected}
    if not found:
        return False
    if found != expected:
        differences = sorted(table for table in expected if found.get(table) != expected[table])
        raise UnknownTables(
            "the database has some of this service's tables but not the schema of release 0.1.0"
            f" (different or missing: {', '.join(differences)}); refusing to touch it"
        )
    return True


async def _first_migration_columns() -> dict[str, set[str]]:
    executor = _executor()
    await executor.loader.build_graph()
    migration = executor.loader.graph.nodes.get(MigrationKey(app_label=APP, name=FIRST))
    if migration is None:
        raise SchemaError(f"the migrations package {connection.MIGRATIONS} has no {FIRST}")
    state = State(models={}, apps=StateApps(default_connections={APP: "default"}))
    await migration.apply(state, dry_run=True, schema_editor=None)
    tables: dict[str, set[str]] = {}
    for app_label, model_name in state.models:
        model = state.apps.get_model(app_label, model_name)
        tables[internals.table(model)] = internals.columns(model)
    return tables


async def _columns(client: BaseDBAsyncClient) -> dict[str, set[str]]:
    if client.capabilities.dialect == "postgres":
        sql = (
            "SELECT table_name AS t, column_name AS c FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
    else:
        sql = (
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p"
            " WHERE m.type = 'table'"
        )
    tables: dict[str, set[str]] = {}
    for row in await client.execute_query_dict(sql):
        tables.setdefault(str(row["t"]), set()).add(str(row["c"]))
    return tables


@asynccontextmanager
async def exclusive() -> AsyncIterator[None]:
    """Hold the migration lock for other once-only work across processes (making the first signing key)."""
    async with _schema_lock(connections.get("default")):
        yield


@asynccontextmanager
async def _schema_lock(client: BaseDBAsyncClient) -> AsyncIterator[None]:
    """Hold a lock that every process migrating this database takes: N workers migrate once, in turn."""
    if client.capabilities.dialect == "postgres":
        async with client.acquire_connection() as connection:
            await connection.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
            try:
                yield
            finally:
                await connection.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
        return
    path = str(getattr(client, "filename", ":memory:"))
    if path == ":memory:" or path.startswith("file::memory:"):
        yield  # one connection, one process: nobody to race with
        return
    # flock holds across processes on this machine, which is as far as one SQLite file is shared
    descriptor = os.open(f"{path}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
