"""A user's effective roles (granted directly, or through the groups they belong to) in one query, sorted.

Every token with the `roles` scope and every `GET /user/me` answer with it reads this, so it is one fixed
statement rather than the ORM's two queries and a merge.
"""

from tortoise import connections

from api.db import dialect, internals
from api.db.models import GroupMember, GroupRole, UserRole

_QUERY = (
    f'SELECT "role_id" AS "name" FROM "{internals.table(UserRole)}" WHERE "user_id" = {{0}} '
    f'UNION SELECT gr."role_id" FROM "{internals.table(GroupRole)}" gr '
    f'JOIN "{internals.table(GroupMember)}" gm ON gm."group_id" = gr."group_id" WHERE gm."user_id" = {{1}} '
    "ORDER BY 1"
)
_QUERIES = dialect.statements(effective=_QUERY)


async def effective_roles(user_id: int) -> list[str]:
    """The names of the user's roles, direct and through groups, sorted and without repeats."""
    client = connections.get("default")
    rows = await client.execute_query_dict(
        _QUERIES[client.capabilities.dialect]["effective"], [user_id, user_id]
    )
    return [row["name"] for row in rows]
