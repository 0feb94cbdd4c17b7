"""Refresh-token rotation in fixed SQL, with reuse detection.

Every refresh grant runs this, so, like `access.py` for the hot path, it skips the ORM's query building: one
lookup, then (in one transaction) the conditional claim of the token, the session's new expiry and the next
token. The claim is the conditional update that lets exactly one of two simultaneous uses win.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from ..errors import InactiveUser, InvalidRefreshToken
from ..models import RefreshToken, Session, User
from ..tokens import new_refresh_token, refresh_token_digest
from . import sessions

_TOKENS, _SESSIONS, _USERS = (model._meta.db_table for model in (RefreshToken, Session, User))
_SESSION_COLUMNS = (
    "id",
    "scope",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
    "user_agent",
    "ip",
)
_LOOKUP = (
    'SELECT r."expires_at" AS "_token_expires_at", '
    + ", ".join(f's."{column}" AS "_session_{column}"' for column in _SESSION_COLUMNS)
    + f', u.* FROM "{_TOKENS}" r JOIN "{_SESSIONS}" s ON s."id" = r."session_id" '
    + f'JOIN "{_USERS}" u ON u."id" = s."user_id" WHERE r."token_hash" = {{0}}'
)
_CLAIM = f'UPDATE "{_TOKENS}" SET "used_at" = {{0}} WHERE "token_hash" = {{1}} AND "used_at" IS NULL'
_EXTEND = f'UPDATE "{_SESSIONS}" SET "last_used_at" = {{0}}, "expires_at" = {{1}} WHERE "id" = {{2}}'
_INSERT = f'INSERT INTO "{_TOKENS}" ("token_hash", "session_id", "expires_at") VALUES ({{0}}, {{1}}, {{2}})'
_MARKS = {"postgres": ("$1", "$2", "$3"), "sqlite": ("?", "?", "?")}
_QUERIES = {
    dialect: {
        name: sql.format(*marks)
        for name, sql in (("lookup", _LOOKUP), ("claim", _CLAIM), ("extend", _EXTEND), ("insert", _INSERT))
    }
    for dialect, marks in _MARKS.items()
}
_DATETIMES = (
    "created_at",
    "_token_expires_at",
    *(f"_session_{c}" for c in ("created_at", "last_used_at", "expires_at", "revoked_at")),
)


def _parsed(row: dict[str, Any], dialect: str) -> dict[str, Any]:
    if dialect == "sqlite":
        # SQLite hands back ISO text, and UUIDs as text
        for column in _DATETIMES:
            if isinstance(row[column], str):
                row[column] = datetime.fromisoformat(row[column])
    return row


async def rotate(refresh_token: str, *, lifetime: timedelta) -> tuple[Session, str]:
    """Trade a refresh token for a new one; a token used twice revokes its whole session (reuse detection)."""
    client = connections.get("default")
    dialect = client.capabilities.dialect
    queries = _QUERIES[dialect]
    digest = refresh_token_digest(refresh_token)
    rows = await client.execute_query_dict(queries["lookup"], [digest])
    if not rows:
        raise InvalidRefreshToken
    row = _parsed(rows[0], dialect)
    moment = now()
    if row["_session_revoked_at"] is not None:
        raise InvalidRefreshToken
    if row["_token_expires_at"] <= moment or row["_session_expires_at"] <= moment:
        raise InvalidRefreshToken
    session_values = {column: row.pop(f"_session_{column}") for column in _SESSION_COLUMNS}
    del row["_token_expires_at"]
    user = User._init_from_db(**row)
    if user.disabled:
        raise InactiveUser
    session_id = uuid.UUID(str(session_values["id"]))
    key: Any = session_id if dialect == "postgres" else str(session_id)
    expires_at = moment + lifetime
    async with in_transaction() as connection:
        claimed, _ = await connection.execute_query(queries["claim"], [moment, digest])
        if claimed:
            await connection.execute_query(queries["extend"], [moment, expires_at, key])
            new_token = new_refresh_token()
            await connection.execute_query(
                queries["insert"], [refresh_token_digest(new_token), key, expires_at]
            )
    if not claimed:
        await sessions.revoke(session_id)
        raise InvalidRefreshToken
    session = Session._init_from_db(**{**session_values, "id": session_id, "user_id": user.id})
    session.last_used_at, session.expires_at = moment, expires_at
    session.user = user
    return session, new_token
