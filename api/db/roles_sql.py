"""A user's effective roles (granted directly, or through the groups they belong to) in one query, sorted;
for an app's token, within that app's `allowed_roles`, in the same query.

Every token with the `roles` scope and every `GET /user/me` answer with it reads this, so it is one fixed
statement rather than the ORM's queries and a merge: the token endpoint pays one query for roles, no more.
"""

import json

from tortoise import connections

from api.db import dialect, internals
from api.db.models import GroupMember, GroupRole, OAuthClient, UserRole


def _effective(first: int) -> str:
    # SQLite's placeholders are positional: the user id's two, numbered from `first` in the text's order
    return (
        f'SELECT "role_id" AS "name" FROM "{internals.table(UserRole)}" WHERE "user_id" = {{{first}}} '
        f'UNION SELECT gr."role_id" FROM "{internals.table(GroupRole)}" gr '
        f'JOIN "{internals.table(GroupMember)}" gm ON gm."group_id" = gr."group_id" '
        f'WHERE gm."user_id" = {{{first + 1}}}'
    )


_CLIENTS = internals.table(OAuthClient)
_QUERIES = dialect.statements(
    effective=f"{_effective(0)} ORDER BY 1",
    # each row also says whether the app exists and what it allows (null: every role)
    for_client=(
        f'SELECT e."name", (SELECT COUNT(*) FROM "{_CLIENTS}" WHERE "client_id" = {{0}}) AS "known", '
        f'(SELECT "allowed_roles" FROM "{_CLIENTS}" WHERE "client_id" = {{1}}) AS "allowed" '
        f"FROM ({_effective(2)}) e ORDER BY 1"
    ),
)


async def effective_roles(user_id: int, *, client_id: str | None = None) -> list[str]:
    """The names of the user's roles, direct and through groups, sorted and without repeats; with
    `client_id`, only those the app's `allowed_roles` lets through (none for an app that is gone)."""
    client = connections.get("default")
    queries = _QUERIES[client.capabilities.dialect]
    if client_id is None:
        rows = await client.execute_query_dict(queries["effective"], [user_id, user_id])
        return [row["name"] for row in rows]
    rows = await client.execute_query_dict(queries["for_client"], [client_id, client_id, user_id, user_id])
    if not rows or not rows[0]["known"]:
        return []
    allowed = rows[0]["allowed"]
    if isinstance(allowed, str):  # SQLite (and asyncpg without a JSON codec) hand JSON back as text
        allowed = json.loads(allowed)
    return [row["name"] for row in rows if allowed is None or row["name"] in allowed]
