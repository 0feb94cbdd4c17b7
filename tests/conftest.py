"""Fixtures: a fresh database per test, the app with its lifespan, and an HTTP client over it.

The database comes from TEST_DATABASE_URL: in-memory SQLite by default, PostgreSQL when it names one
(`postgres://postgres@127.0.0.1:5432/test`). Run one backend per pytest process.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from tortoise import Tortoise, connections

from api import create_app
from api.config import Settings
from api.db import changes
from api.db.models import User

from .live import free_port
from .smtp import Inbox, smtp_server

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://:memory:")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql://", "asyncpg://"))
SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "violet-Staircase-42"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for one test: its own data folder, the test database, and the cheapest allowed Argon2."""
    values: dict[str, Any] = {
        "database_url": TEST_DATABASE_URL,
        "data_dir": tmp_path / "data",
        "secret_key": SecretStr(SECRET),
        "token_url": "token",
        "registration_open": True,
        "password_min_length": 8,
        "jwt_issuer": None,
        "jwt_audience": None,
        "hash_concurrency": 2,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


async def _empty_tables(database_url: str) -> bool:
    # the shared PostgreSQL test database keeps its tables: empty them so each test starts from nothing
    if database_url != TEST_DATABASE_URL or not ON_POSTGRES:
        return False
    tables = ", ".join(
        f'"{model._meta.db_table}"' for app in Tortoise.apps.values() for model in app.values()
    )
    await connections.get("default").execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return True


class Clock:
    """A clock the app reads as "now" for what expires; a test moves it forward instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward, e.g. `advance(hours=49)`."""
        self.now += timedelta(**delta)


@asynccontextmanager
async def serve(
    settings: Settings,
    base_url: str = "http://testserver",
    *,
    me_fast_path: bool = True,
    clock: Clock | None = None,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app for these settings with its lifespan entered, and an async client over it."""
    app = create_app(settings, fast_paths=me_fast_path, **({"clock": clock} if clock else {}))
    async with app.router.lifespan_context(app):
        if await _empty_tables(settings.database_url):
            await app.state.auth.keys.prepare()  # the signing key made at start went with the tables
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            _APPS[client] = app
            try:
                yield app, client
            finally:
                del _APPS[client]


# the app each client of `serve` talks to, for the writes a test makes straight to the database
_APPS: dict[httpx.AsyncClient, FastAPI] = {}


@asynccontextmanager
async def direct_writes(client: httpx.AsyncClient) -> AsyncIterator[None]:
    """Writes a test makes straight to the database, announced to the app like a request's (none may go
    unannounced: outside such a block they raise UntrackedChange)."""
    async with changes.tracking(_APPS[client].state.announce):
        yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def app_and_client(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with serve(settings) as pair:
        yield pair


@pytest.fixture
def client(app_and_client: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_client[1]


@pytest.fixture
def app(app_and_client: tuple[FastAPI, httpx.AsyncClient]) -> FastAPI:
    return app_and_client[0]


async def register(
    client: httpx.AsyncClient, username: str = "alice", password: str = PASSWORD, **extra: Any
) -> httpx.Response:
    """POST /register and return the response."""
    return await client.post("/register", json={"username": username, "password": password, **extra})


async def login(
    client: httpx.AsyncClient, username: str = "alice", password: str = PASSWORD, **form: str
) -> httpx.Response:
    """POST the password grant to /token and return the response."""
    return await client.post("/token", data={"username": username, "password": password, **form})


async def token_for(client: httpx.AsyncClient, username: str = "alice", password: str = PASSWORD) -> str:
    """Register a user and return an access token for it."""
    assert (await register(client, username, password)).status_code == 201
    response = await login(client, username, password)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def logged_in(
    client: httpx.AsyncClient, username: str = "alice", **registration: str
) -> dict[str, str]:
    """Register (with any extra fields, e.g. `email=`) and log in: the token response."""
    assert (await register(client, username, **registration)).status_code == 201
    response = await login(client, username)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def admin_token(client: httpx.AsyncClient, username: str = "root") -> str:
    """An administrator's access token (the account is made an admin in the database)."""
    assert (await register(client, username)).status_code == 201
    async with direct_writes(client):
        await User.filter(username_key=username).update(is_admin=True)
    token: str = (await login(client, username)).json()["access_token"]
    return token


async def refresh(client: httpx.AsyncClient, refresh_token: str, **form: str) -> httpx.Response:
    """POST the refresh grant to /token and return the response."""
    return await client.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token, **form}
    )


async def me_status(client: httpx.AsyncClient, access_token: str) -> int:
    """The status GET /user/me answers this access token."""
    return (await client.get("/user/me", headers=bearer(access_token))).status_code


async def stored_audit(client: httpx.AsyncClient) -> None:
    """Every audit event recorded so far stored before the test looks (the writer batches them)."""
    await _APPS[client].state.auth.audit.flush()


async def deliver_now(app: FastAPI) -> None:
    """Every due mail handled before the test looks: the background delivery stops, and the rest runs here."""
    delivery = app.state.auth.delivery
    await delivery.stop()
    await delivery.deliver_due()


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a bearer token."""
    return {"Authorization": f"Bearer {token}"}


async def postgres_admin(sql: str) -> None:
    """Run one statement on the server's `postgres` database (for creating and dropping databases)."""
    server = TEST_DATABASE_URL.split("://", 1)[1].rsplit("/", 1)[0]
    connection = await asyncpg.connect(f"postgresql://{server}/postgres")
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _postgres_admin_now(sql: str) -> None:
    # in a thread of its own: sync tests may already run an event loop in this one (Playwright does)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, postgres_admin(sql)).result()


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the backend under test that nothing has touched: a new file or a new PG database."""
    if not ON_POSTGRES:
        yield f"sqlite://{tmp_path}/db/fresh.sqlite3"
        return
    name = f"auth_fresh_{uuid.uuid4().hex[:12]}"
    _postgres_admin_now(f'CREATE DATABASE "{name}"')
    try:
        yield TEST_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _postgres_admin_now(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    """A real SMTP server on a free port: its `SMTP_URL` and what it received."""
    port = free_port()
    with smtp_server(port) as inbox:
        yield f"smtp://127.0.0.1:{port}", inbox
