"""The hot path: the user behind an access token, with its session checked, in one query.

Every authenticated request runs this, so it skips the ORM's query building: one fixed SQL statement on
Tortoise's own connection, and the row turned into a `User` the way Tortoise's executor does it.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.timezone import now

from api.db.models import Session, User
from api.errors import InactiveUser, SessionEnded

# last_used_at is refreshed at most this often, so authenticated requests rarely write
_LAST_USED_RESOLUTION = timedelta(minutes=1)
_LAST_USED = "_session_last_used_at"
_QUERY = (
    f'SELECT u.*, s."last_used_at" AS "{_LAST_USED}" '
    f'FROM "{Session._meta.db_table}" s JOIN "{User._meta.db_table}" u ON u."id" = s."user_id" '
    'WHERE s."id" = {session} AND s."user_id" = {user} AND s."revoked_at" IS NULL'
)
_QUERIES = {
    "postgres": _QUERY.format(session="$1", user="$2"),
    "sqlite": _QUERY.format(session="?", user="?"),
}
_last_used_field = Session._meta.fields_map["last_used_at"]


async def active_user(*, session_id: str, user_id: int) -> User:
    """The active user of an unrevoked session; SessionEnded or InactiveUser otherwise."""
    try:
        session_uuid = uuid.UUID(session_id)
    except ValueError:
        raise SessionEnded from None
    client = connections.get("default")
    dialect = client.capabilities.dialect
    # SQLite keeps UUIDs as text; asyncpg takes the UUID itself
    key: Any = session_uuid if dialect == "postgres" else str(session_uuid)
    rows = await client.execute_query_dict(_QUERIES[dialect], [key, user_id])
    if not rows:
        raise SessionEnded
    row = rows[0]
    if dialect == "sqlite":
        # SQLite hands back ISO text; the standard parser is several times faster than Tortoise's
        for column in ("created_at", _LAST_USED):
            row[column] = datetime.fromisoformat(row[column])
    last_used: datetime = _last_used_field.to_python_value(row.pop(_LAST_USED))
    user = User._init_from_db(**row)
    if user.disabled:
        raise InactiveUser
    moment = now()
    if moment - last_used > _LAST_USED_RESOLUTION:
        await Session.filter(id=session_uuid).update(last_used_at=moment)
    return user
