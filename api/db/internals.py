"""The private parts of Tortoise and aiosqlite that this service relies on, reached from here only.

Each is used because the public API has no equivalent: the hot path's fixed SQL builds models from rows and
names tables as Tortoise does; one function runs in aiosqlite's thread; tracked bulk writes are Tortoise's own
update and delete queries with a step before and after; the change feed connects as Tortoise's pool does.
`tests/test_internals.py` checks each, so that a dependency upgrade that changes one fails there, by name.
"""

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.fields.base import Field
from tortoise.models import Model
from tortoise.queryset import DeleteQuery, QuerySet, UpdateQuery

M = TypeVar("M", bound=Model)
T = TypeVar("T")
# a step run around a bulk write: given the rows' user ids read before it, and how many rows it changed
Noted = Callable[[list[Any], int], None]

# asyncpg.create_pool's own arguments: a single connection takes every other one
_POOL_ONLY = frozenset(
    ("min_size", "max_size", "max_queries", "max_inactive_connection_lifetime", "setup", "init", "reset")
) | {"loop"}


def table(model: type[Model]) -> str:
    """The model's table name."""
    name: str = model._meta.db_table
    return name


def columns(model: type[Model]) -> set[str]:
    """The model's column names."""
    return set(model._meta.fields_db_projection.values())


def field(model: type[Model], name: str) -> Field[Any]:
    """The model's field object (its `to_python_value` turns a column's value into the field's)."""
    found: Field[Any] = model._meta.fields_map[name]
    return found


def from_row(model: type[M], row: dict[str, Any]) -> M:
    """A model instance from a row of its table, as Tortoise's own executor makes it."""
    return model._init_from_db(**row)


def in_transaction_client(client: BaseDBAsyncClient) -> bool:
    """Whether the client is a transaction's (its statements must stay on that connection)."""
    return isinstance(client, TransactionalDBClient)


async def run_in_sqlite_thread(connection: Any, work: Callable[[sqlite3.Connection], T]) -> T:
    """`work(db)` in the aiosqlite connection's own thread: one trip for several statements."""
    # aiosqlite has no public way to run a function in its thread; `_execute` is what its methods use
    done: T = await connection._execute(work, connection._conn)
    return done


def postgres_connect_arguments(client: Any = None) -> dict[str, Any]:
    """What Tortoise's PostgreSQL pool connects with (every DATABASE_URL parameter, TLS included), for one
    connection of our own (`asyncpg.connect`): the change feed's LISTEN. The default connection's pool."""
    client = client if client is not None else connections.get("default")
    template: dict[str, Any] = client._template  # built from the whole URL when the pool was created
    arguments = {key: value for key, value in template.items() if key not in _POOL_ONLY}
    return {**arguments, "password": client.password}


async def _with_step(
    affected: Awaitable[list[Any]], noted: Noted, write: Callable[[], Awaitable[int]]
) -> int:
    users = await affected
    count = await write()
    noted(users, count)
    return count


class _NotedUpdate(UpdateQuery):
    affected: Awaitable[list[Any]]
    noted: Noted

    async def _execute(self) -> int:
        return await _with_step(self.affected, self.noted, super()._execute)


class _NotedDelete(DeleteQuery):
    affected: Awaitable[list[Any]]
    noted: Noted

    async def _execute(self) -> int:
        return await _with_step(self.affected, self.noted, super()._execute)


def noted_update(
    queryset: QuerySet[Any], kwargs: dict[str, Any], *, user_field: str, noted: Noted
) -> UpdateQuery:
    """The queryset's `update(**kwargs)`, after reading the rows' `user_field`; then `noted`."""
    query = _NotedUpdate(
        db=queryset._db,
        model=queryset.model,
        update_kwargs=kwargs,
        q_objects=queryset._q_objects,
        annotations=queryset._annotations,
        custom_filters=queryset._custom_filters,
        limit=queryset._limit,
        orderings=queryset._orderings,
    )
    query.affected = queryset._clone().values_list(user_field, flat=True)
    query.noted = noted
    return query


def noted_delete(queryset: QuerySet[Any], *, user_field: str, noted: Noted) -> DeleteQuery:
    """The queryset's `delete()`, reading the rows' `user_field` first (same transaction), then
    `noted`."""
    query = _NotedDelete(
        db=queryset._db,
        model=queryset.model,
        q_objects=queryset._q_objects,
        annotations=queryset._annotations,
        custom_filters=queryset._custom_filters,
        limit=queryset._limit,
        orderings=queryset._orderings,
    )
    query.affected = queryset._clone().values_list(user_field, flat=True)
    query.noted = noted
    return query
