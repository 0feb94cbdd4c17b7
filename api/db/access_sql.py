"""The hot path: the user behind an access token, with its session checked, in one query.

Every authenticated request runs this, so it skips the ORM's query building: one fixed SQL statement on
Tortoise's own connection, and the row turned into a `User` the way Tortoise's executor does it.
"""

import uuid
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.timezone import now

from api.db import dialect, internals
from api.db.models import Session, User
from api.errors import InactiveUser, SessionEnded

# last_used_at is refreshed at most this often, so authenticated requests rarely write
_LAST_USED_RESOLUTION = timedelta(minutes=1)
_LAST_USED = "_session_last_used_at"
_QUERY = (
    f'SELECT u.*, s."last_used_at" AS "{_LAST_USED}" '
    f'FROM "{internals.table(Session)}" s JOIN "{internals.table(User)}" u ON u."id" = s."user_id" '
    'WHERE s."id" = {0} AND s."user_id" = {1} AND s."revoked_at" IS NULL'
)
_QUERIES = dialect.statements(active_user=_QUERY)
_last_used_field = internals.field(Session, "last_used_at")


async def active_user(*, session_id: str, user_id: int) -> User:
    """The active user of an unrevoked session; SessionEnded or InactiveUser otherwise."""
    try:
        session_uuid = uuid.UUID(session_id)
    except ValueError:
        raise SessionEnded from None
    client = connections.get("default")
    spoken = client.capabilities.dialect
    query = _QUERIES[spoken]["active_user"]
    rows = await client.execute_query_dict(query, [dialect.uuid_parameter(session_uuid, spoken), user_id])
    if not rows:
        raise SessionEnded
    row = dialect.parse_datetimes(rows[0], ("created_at", _LAST_USED))
    last_used: datetime = _last_used_field.to_python_value(row.pop(_LAST_USED))
    user = internals.from_row(User, row)
    if user.disabled:
        raise InactiveUser
    moment = now()
    if moment - last_used > _LAST_USED_RESOLUTION:
        await Session.filter(id=session_uuid).update(last_used_at=moment)
    return user
