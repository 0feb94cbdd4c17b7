"""Two service processes on one database, each with its own DATA_DIR (so on PostgreSQL they share no change
file, and only NOTIFY can tell one of the other's writes): a write through one voids the other's cached answer
of that user at once, and no other user's."""

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import asyncpg
import httpx

from .conftest import PASSWORD, SECRET
from .live import Service, running_service

# what two nodes of one deployment share besides the database
SHARED = {"SECRET_KEY": SECRET}


def call(
    service: Service, method: str, path: str, token: str | None = None, **kwargs: object
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=service.url, timeout=30) as client:
        return client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]


async def behind_the_caches(database_url: str, username: str, full_name: str) -> None:
    """Change a user's row with SQL of the test's own, which no service hears of."""
    sql = 'UPDATE "users" SET "full_name" = {} WHERE "username_key" = {}'
    if database_url.startswith("sqlite://"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite://"))) as db:
            db.execute(sql.format("?", "?"), [full_name, username])
            db.commit()
        return
    connection = await asyncpg.connect("postgresql://" + database_url.split("://", 1)[1])
    try:
        await connection.execute(sql.format("$1", "$2"), full_name, username)
    finally:
        await connection.close()


def token_of(service: Service, username: str) -> str:
    assert (
        call(service, "POST", "/register", json={"username": username, "password": PASSWORD}).status_code
        == 201
    )
    response = call(service, "POST", "/token", data={"username": username, "password": PASSWORD})
    token: str = response.json()["access_token"]
    return token


async def cached_by(service: Service, database_url: str, username: str, token: str) -> dict[str, object]:
    """The user's answer once the service gives it from its cache (its feed listens a moment after start)."""
    deadline = time.monotonic() + 20
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        await behind_the_caches(database_url, username, f"before-{attempt}")
        first = call(service, "GET", "/user/me", token)
        assert first.status_code == 200, first.text
        await behind_the_caches(database_url, username, f"behind-{attempt}")
        if call(service, "GET", "/user/me", token).json() == first.json():
            return dict(first.json())
        time.sleep(0.1)
    raise AssertionError(f"{service.url} never cached the answer")


async def test_a_write_through_one_service_voids_the_other_services_answer_of_that_user_only(
    tmp_path: Path, fresh_database_url: str
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        running_service(tmp_path / "a", fresh_database_url, extra_env=SHARED) as first,
        running_service(tmp_path / "b", fresh_database_url, extra_env=SHARED) as second,
    ):
        alice, bob = token_of(first, "alice"), token_of(first, "bob")
        await cached_by(second, fresh_database_url, "alice", alice)
        bob_before = await cached_by(second, fresh_database_url, "bob", bob)
        changed = call(first, "PATCH", "/user/me", alice, json={"email": "alice@example.com"})
        assert changed.status_code == 200
        deadline = time.monotonic() + 5
        while (seen := call(second, "GET", "/user/me", alice).json()).get("email") is None:
            print(seen)
            assert time.monotonic() < deadline, (
                "the other service still gives the answer from before the write"
            )
            time.sleep(0.05)
        assert seen["email"] == "alice@example.com"
        assert str(seen["full_name"]).startswith("behind-")
        assert call(second, "GET", "/user/me", bob).json() == bob_before
