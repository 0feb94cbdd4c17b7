"""The private parts of Tortoise that this service relies on, reached from here only.

Each is used because the public API has no equivalent; `tests/test_internals.py` checks that they still exist
and behave, so that a dependency upgrade that changes one fails there, with a message naming it.
"""

from typing import Any

from tortoise import connections

# asyncpg.create_pool's own arguments: a single connection takes every other one
_POOL_ONLY = frozenset(
    {
        "min_size",
        "max_size",
        "max_queries",
        "max_inactive_connection_lifetime",
        "setup",
        "init",
        "reset",
        "loop",
    }
)


def postgres_connect_arguments() -> dict[str, Any]:
    """What Tortoise's PostgreSQL pool connects with (every DATABASE_URL parameter, TLS included), for one
    connection of our own (`asyncpg.connect`): the change feed's LISTEN."""
    client: Any = connections.get("default")
    template: dict[str, Any] = client._template  # built from the whole URL when the pool was created
    arguments = {key: value for key, value in template.items() if key not in _POOL_ONLY}
    return {**arguments, "password": client.password}
