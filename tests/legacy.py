"""A database as release 0.1.0 left it: its own schema (kept as SQL), users, sessions and refresh tokens.

The rows are written as 0.1.0 wrote them (Argon2id and legacy bcrypt hashes, refresh tokens as SHA-256), and
the access tokens are signed as 0.1.0 signed them, without this release's code, so an upgrade test checks
what people's databases and tokens really hold.
"""

import hashlib
import secrets
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import argon2
import asyncpg
import bcrypt
from jose import jwt

SCHEMA_DIR = Path(__file__).parent / "schema_0_1_0"


@dataclass(frozen=True)
class LegacyUser:
    """One account of the old database, with the credentials 0.1.0 handed out for it."""

    username: str
    password: str
    is_admin: bool
    access_token: str
    refresh_token: str


def _literal(value: object) -> str:
    # quoted literals mean the same to SQLite and PostgreSQL: '1' is 1 in an INT column and true in a BOOL one
    if value is None:
        return "NULL"
    text = str(int(value)) if isinstance(value, bool) else str(value)
    assert "'" not in text
    return f"'{text}'"


def _insert(table: str, row: dict[str, object]) -> str:
    columns = ", ".join(f'"{name}"' for name in row)
    return f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join(map(_literal, row.values()))});'


def _access_token(*, secret: str, user_id: int, session_id: str, scope: str, now: datetime) -> str:
    issued = int(now.timestamp())
    claims = {
        "sub": str(user_id),
        "sid": session_id,
        "iat": issued,
        "exp": issued + 30 * 60,
        "jti": secrets.token_urlsafe(16),
        "scope": scope,
        "type": "access",
    }
    token: str = jwt.encode(claims, secret, algorithm="HS256", headers={"typ": "at+jwt"})
    return token


def build_script(
    *, secret: str, dialect: str, accounts: list[tuple[str, bool]]
) -> tuple[str, list[LegacyUser]]:
    """The SQL that makes a 0.1.0 database holding these (username, is_admin) accounts."""
    now = datetime.now(UTC)
    stamp = now.isoformat(sep=" ")
    statements = [(SCHEMA_DIR / f"{dialect}.sql").read_text()]
    users: list[LegacyUser] = []
    cheapest_argon2 = argon2.PasswordHasher(memory_cost=19 * 1024, time_cost=2, parallelism=1)
    for user_id, (username, is_admin) in enumerate(accounts, start=1):
        password = f"{username}-violet-Staircase-42"
        # every other account still has a bcrypt hash, as imported before the switch to Argon2id
        hashed = (
            bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
            if user_id % 2 == 0
            else cheapest_argon2.hash(password)
        )
        session_id, refresh = str(uuid.uuid4()), secrets.token_urlsafe(32)
        scope = "admin profile" if is_admin else "profile"
        expires = (now + timedelta(days=14)).isoformat(sep=" ")
        statements += [
            _insert(
                "users",
                {
                    "id": user_id,
                    "username": username,
                    "username_key": username.casefold(),
                    "email": f"{username}@example.com",
                    "full_name": None,
                    "password_hash": hashed,
                    "disabled": False,
                    "is_admin": is_admin,
                    "created_at": stamp,
                },
            ),
            _insert(
                "sessions",
                {
                    "id": session_id,
                    "user_id": user_id,
                    "scope": scope,
                    "created_at": stamp,
                    "last_used_at": stamp,
                    "expires_at": expires,
                    "revoked_at": None,
                    "user_agent": "curl/8.0",
                    "ip": "127.0.0.1",
                },
            ),
            _insert(
                "refresh_tokens",
                {
                    "token_hash": hashlib.sha256(refresh.encode()).hexdigest(),
                    "session_id": session_id,
                    "expires_at": expires,
                    "used_at": None,
                },
            ),
        ]
        token = _access_token(secret=secret, user_id=user_id, session_id=session_id, scope=scope, now=now)
        users.append(LegacyUser(username, password, is_admin, token, refresh))
    if dialect == "postgres":
        # 0.1.0 let SERIAL pick the ids; rows inserted with explicit ids must move the sequence past them
        statements.append(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));"
        )
    return "\n".join(statements), users


async def run_script(database_url: str, script: str) -> None:
    """Run a script of several statements on the database that the Tortoise URL names."""
    if database_url.startswith("sqlite://"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite://"))) as db:
            db.executescript(script)
        return
    connection = await asyncpg.connect("postgresql://" + database_url.split("://", 1)[1])
    try:
        await connection.execute(script)
    finally:
        await connection.close()


async def query(database_url: str, sql: str) -> list[tuple[object, ...]]:
    """The rows of one query on that database, as tuples."""
    if database_url.startswith("sqlite://"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite://"))) as db:
            return [tuple(row) for row in db.execute(sql).fetchall()]
    connection = await asyncpg.connect("postgresql://" + database_url.split("://", 1)[1])
    try:
        return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


async def make_release_0_1_database(
    database_url: str, *, secret: str, accounts: list[tuple[str, bool]]
) -> list[LegacyUser]:
    """Create the 0.1.0 tables on an empty database and fill them; the users with their old tokens."""
    dialect = "sqlite" if database_url.startswith("sqlite://") else "postgres"
    if dialect == "sqlite":
        Path(database_url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)
    script, users = build_script(secret=secret, dialect=dialect, accounts=accounts)
    await run_script(database_url, script)
    return users
