"""A refresh racing a revocation: the refresh reads its session inside its write transaction, so one that
starts while a revocation is being committed answers as the revoked session deserves, never 200."""

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from jose import jwt

from .conftest import logged_in, make_settings, refresh, serve


async def test_a_refresh_waiting_on_a_revocation_that_commits_is_refused(
    tmp_path: Path, fresh_database_url: str
) -> None:
    async with serve(make_settings(tmp_path, database_url=fresh_database_url)) as (_, client):
        tokens = await logged_in(client)
        session_id = jwt.get_unverified_claims(tokens["access_token"])["sid"]
        moment = datetime.now(UTC)
        if fresh_database_url.startswith("sqlite://"):
            with closing(
                sqlite3.connect(fresh_database_url.removeprefix("sqlite://"), isolation_level=None)
            ) as db:
                # another worker's revocation, holding SQLite's write lock until it commits
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    'UPDATE "sessions" SET "revoked_at" = ? WHERE "id" = ?',
                    [moment.isoformat(sep=" "), session_id],
                )
                racing = asyncio.create_task(refresh(client, tokens["refresh_token"]))
                await asyncio.sleep(0.3)  # the refresh is now waiting for the lock
                db.execute("COMMIT")
                response = await racing
        else:
            connection = await asyncpg.connect("postgresql://" + fresh_database_url.split("://", 1)[1])
            try:
                revocation = connection.transaction()
                await revocation.start()
                await connection.execute(
                    'UPDATE "sessions" SET "revoked_at" = $1 WHERE "id" = $2', moment, session_id
                )
                racing = asyncio.create_task(refresh(client, tokens["refresh_token"]))
                await asyncio.sleep(0.3)  # the refresh is now waiting for the session's row
                await revocation.commit()
                response = await racing
            finally:
                await connection.close()
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_grant"
