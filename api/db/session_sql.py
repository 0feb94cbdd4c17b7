"""Sessions and refresh tokens in fixed SQL: the login's new session, and refresh-token rotation.

Every login and every refresh grant runs these, so, like `access_sql.py` for the hot path, they skip the ORM's
query building. A rotation is one lookup, then (in one transaction) the conditional claim of the token, the
session's new expiry and the next token; the claim lets exactly one of two simultaneous uses win.
"""

import uuid
from datetime import timedelta
from typing import Any

from tortoise import connections
from tortoise.timezone import now

from api.core.opaque import new_opaque_token, opaque_digest
from api.db import dialect, internals, sql_batch
from api.db.models import RefreshToken, Session, User
from api.errors import InactiveUser, InvalidRefreshToken

_TOKENS, _SESSIONS, _USERS = (internals.table(model) for model in (RefreshToken, Session, User))
_SESSION_COLUMNS = (
    "id",
    "scope",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
    "user_agent",
    "ip",
    "client_id",
    "auth_time",
    "login_session_id",
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
_NEW_SESSION = (
    f'INSERT INTO "{_SESSIONS}" ("id", "user_id", "scope", "created_at", "last_used_at", "expires_at", '
    '"user_agent", "ip") VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7})'
)
_QUERIES = dialect.statements(
    lookup=_LOOKUP, claim=_CLAIM, extend=_EXTEND, insert=_INSERT, new_session=_NEW_SESSION
)
# a revocation waits for the rotation that read its session, or the rotation sees it (SQLite's writer lock,
# taken before the read, does the same)
_QUERIES["postgres"]["lookup"] += " FOR UPDATE OF s"
_DATETIMES = (
    "created_at",
    "_token_expires_at",
    *(f"_session_{c}" for c in ("created_at", "last_used_at", "expires_at", "revoked_at", "auth_time")),
)


class TokenReused(Exception):
    """A refresh token was presented after it had been rotated: its session is to be revoked."""

    def __init__(self, session_id: uuid.UUID) -> None:
        super().__init__(str(session_id))
        self.session_id = session_id


async def start(
    user: User, *, scope: str, user_agent: str | None, ip: str | None, lifetime: timedelta
) -> tuple[Session, str]:
    """A new session of the user, and its first refresh token, in one transaction."""
    client = connections.get("default")
    spoken = client.capabilities.dialect
    queries = _QUERIES[spoken]
    session_id = uuid.uuid4()
    key = dialect.uuid_parameter(session_id, spoken)
    moment = now()
    expires_at = moment + lifetime
    token = new_opaque_token()
    await sql_batch.write(
        [
            (queries["new_session"], [key, user.id, scope, moment, moment, expires_at, user_agent, ip]),
            (queries["insert"], [token.digest, key, expires_at]),
        ]
    )
    session = internals.from_row(
        Session,
        {
            "id": session_id,
            "user_id": user.id,
            "scope": scope,
            "created_at": moment,
            "last_used_at": moment,
            "expires_at": expires_at,
            "revoked_at": None,
            "user_agent": user_agent,
            "ip": ip,
            "client_id": None,
            "auth_time": None,
            "login_session_id": None,
        },
    )
    session.user = user
    return session, token.value


async def rotate(refresh_token: str, *, lifetime: timedelta, client_id: str | None) -> tuple[Session, str]:
    """Trade a refresh token for a new one; TokenReused for one rotated before (reuse detection).

    An app's token (authorization code flow) refreshes only for that app (`client_id`): another client's
    attempt is refused before it can spend the token.
    """
    queries = _QUERIES[dialect.current()]
    digest = opaque_digest(refresh_token)
    moment = now()
    expires_at = moment + lifetime
    new_token = new_opaque_token()

    def plan(rows: list[dict[str, Any]]) -> list[sql_batch.Statement]:
        if not rows:
            raise InvalidRefreshToken
        row = dialect.parse_datetimes(rows[0], _DATETIMES)
        if row["_session_revoked_at"] is not None:
            raise InvalidRefreshToken
        if row["_token_expires_at"] <= moment or row["_session_expires_at"] <= moment:
            raise InvalidRefreshToken
        if row["_session_client_id"] is not None and row["_session_client_id"] != client_id:
            raise InvalidRefreshToken
        if row["disabled"]:
            raise InactiveUser
        key = row["_session_id"]
        return [
            (queries["claim"], [moment, digest]),
            (queries["extend"], [moment, expires_at, key]),
            (queries["insert"], [new_token.digest, key, expires_at]),
        ]

    # a rotation lost to a power cut costs its client a new login, nothing more: it does not wait for the
    # disk (SQLITE_SYNCHRONOUS=FULL keeps registrations, password changes, revocations and logouts)
    rows, claimed = await sql_batch.read_then_write(
        (queries["lookup"], [digest]), plan, guarded=True, synced=False
    )
    row = rows[0]  # plan parsed it in place
    session_values = {column: row.pop(f"_session_{column}") for column in _SESSION_COLUMNS}
    session_id = uuid.UUID(str(session_values["id"]))
    if not claimed:
        raise TokenReused(session_id)
    del row["_token_expires_at"]
    user = internals.from_row(User, row)
    session = internals.from_row(Session, {**session_values, "id": session_id, "user_id": user.id})
    session.last_used_at, session.expires_at = moment, expires_at
    session.user = user
    return session, new_token.value
