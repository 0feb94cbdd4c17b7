"""Data for the servers: an SQLite database per server, filler users, and the bench user's token."""

import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .procs import ROOT

USERNAME = "benchuser"
PASSWORD = "violet-Staircase-42-bench"
# a well-formed Argon2id string; the filler users never log in
_FILLER_HASH = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$" + "A" * 43
# the service's own start-up code creates the tables, as run.py does
_PREPARE = (
    "import asyncio\n"
    "from api.bootstrap import prepare_database\n"
    "from api.config import Settings\n"
    "asyncio.run(prepare_database(Settings()))\n"
)
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def server_env(folder: Path) -> dict[str, str]:
    """The environment of a service whose SQLite file and signing key live in folder."""
    return {**os.environ, "DATABASE_URL": f"sqlite://{folder}/auth.sqlite3", "DATA_DIR": str(folder)}


def prepare(folder: Path, filler_users: int, env: dict[str, str] | None = None) -> None:
    """Create the database with the service's schema, then insert filler users in one transaction."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-c", _PREPARE], cwd=ROOT, env=env or server_env(folder), check=True, timeout=120
    )
    if filler_users > 0:
        insert_users(folder / "auth.sqlite3", filler_users)


def insert_users(path: Path, count: int) -> None:
    """Insert `count` users straight into the users table (columns as api/models.py User)."""
    # the text Tortoise writes for an aware UTC datetime, e.g. 2026-11-22 22:55:50.955629+00:00
    created_at = datetime.now(UTC).isoformat(sep=" ")
    rows = (
        (f"filler{n:07d}", f"filler{n:07d}", None, None, _FILLER_HASH, 0, 0, created_at) for n in range(count)
    )
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO users (username, username_key, email, full_name, password_hash, disabled, is_admin,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _post(url: str, body: bytes, content_type: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def token(base_url: str) -> str:
    """Register the bench user (if new) and log in: an access token for GET /user/me."""
    body = json.dumps({"username": USERNAME, "password": PASSWORD}).encode()
    status, answer = _post(f"{base_url}/register", body, "application/json")
    if status not in (201, 409):
        raise RuntimeError(f"POST /register answered {status}: {answer}")
    form = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD}).encode()
    status, answer = _post(f"{base_url}/token", form, "application/x-www-form-urlencoded")
    if status != 200:
        raise RuntimeError(f"POST /token answered {status}: {answer}")
    access_token: str = answer["access_token"]
    return access_token


def refresh_tokens(base_url: str, count: int) -> list[str]:
    """`count` fresh refresh tokens of the bench user (one login each)."""
    form = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD}).encode()
    tokens = []
    for _ in range(count):
        status, answer = _post(f"{base_url}/token", form, "application/x-www-form-urlencoded")
        if status != 200:
            raise RuntimeError(f"POST /token answered {status}: {answer}")
        tokens.append(str(answer["refresh_token"]))
    return tokens


def postgres_env(folder: Path, database_url: str) -> dict[str, str]:
    """The environment of a service on a PostgreSQL database, its signing key in folder."""
    return {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(folder)}


def login_env() -> dict[str, str]:
    """The environment login.lua reads: the bench user's URL-encoded credentials."""
    return {"BENCH_USERNAME": urllib.parse.quote(USERNAME), "BENCH_PASSWORD": urllib.parse.quote(PASSWORD)}
