"""GET /healthz: 200 while the database answers, 503 when it does not."""

from pathlib import Path

import httpx
from tortoise import connections

from .conftest import ON_POSTGRES, make_settings, postgres_admin, serve


async def test_healthz_is_200_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_is_503_when_the_database_is_unreachable(
    tmp_path: Path, fresh_database_url: str
) -> None:
    async with serve(make_settings(tmp_path, database_url=fresh_database_url)) as (_, client):
        assert (await client.get("/healthz")).status_code == 200
        name = fresh_database_url.rsplit("/", 1)[1]
        if ON_POSTGRES:
            await postgres_admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await postgres_admin(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            )
        else:
            # a file that is no database: connecting works, every query fails (a deleted folder would make
            # aiosqlite's connect fail in its thread, which then outlives the test)
            await connections.get("default").close()
            database = Path(fresh_database_url.removeprefix("sqlite://"))
            for leftover in database.parent.glob(f"{database.name}*"):
                leftover.unlink()
            database.write_bytes(b"this is not a database " * 100)
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "database": "unreachable"}
        if ON_POSTGRES:
            await postgres_admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
