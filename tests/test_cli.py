"""`python run.py` as an operator uses it: --help, and create-admin against a temporary database."""

import os
import pty
import re
import select
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx
import pytest

from .conftest import PASSWORD, bearer, login, make_settings, serve
from .live import RUN_PY, create_admin, environment, running_service


def test_help_lists_the_commands() -> None:
    result = subprocess.run([sys.executable, RUN_PY, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "serve" in result.stdout and "create-admin" in result.stdout and "--workers" in result.stdout


async def test_create_admin_reads_the_password_from_stdin_and_the_admin_can_log_in(
    tmp_path: Path, fresh_database_url: str
) -> None:
    result = create_admin(tmp_path, fresh_database_url, "root", PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "created admin root" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    async with serve(make_settings(tmp_path, database_url=fresh_database_url)) as (_, client):
        response = await login(client, "root", scope="admin")
        assert response.status_code == 200
        listing = await client.get("/users", headers=bearer(response.json()["access_token"]))
        assert listing.status_code == 200 and listing.json()["total"] == 1


async def test_create_admin_promotes_an_existing_user(tmp_path: Path, fresh_database_url: str) -> None:
    assert create_admin(tmp_path, fresh_database_url, "root", PASSWORD + "\n").returncode == 0
    async with serve(make_settings(tmp_path, database_url=fresh_database_url)) as (_, client):
        assert (
            await client.post("/register", json={"username": "bob", "password": PASSWORD})
        ).status_code == 201
    result = create_admin(tmp_path, fresh_database_url, "BOB", "")
    assert result.returncode == 0, result.stderr
    assert "bob is now an admin" in result.stdout
    async with serve(make_settings(tmp_path, database_url=fresh_database_url)) as (_, client):
        assert (await login(client, "bob")).json()["scope"] == "admin profile"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("root", "password1\n", "too common"),
        ("root", "short\n", "at least 8 characters"),
        ("no spaces allowed", PASSWORD + "\n", "Username may contain only"),
    ],
)
def test_create_admin_refuses_what_the_policy_refuses(
    tmp_path: Path, fresh_database_url: str, username: str, password: str, message: str
) -> None:
    result = create_admin(tmp_path, fresh_database_url, username, password)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _read_until(fd: int, marker: bytes, timeout: float = 30.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def _create_admin_on_a_terminal(
    tmp_path: Path, database_url: str, first: str, second: str
) -> tuple[int, bytes]:
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() in a threaded process; the child only calls execve
        warnings.simplefilter("ignore", DeprecationWarning)
        pid, fd = pty.fork()
    if pid == 0:  # the child: a process whose controlling terminal is the pty
        os.chdir(tmp_path)
        os.execve(
            sys.executable,
            [sys.executable, RUN_PY, "create-admin", "root"],
            environment(tmp_path, database_url),
        )
    output = _read_until(fd, b"Password: ")
    os.write(fd, first.encode() + b"\n")
    output += _read_until(fd, b"(again): ")
    os.write(fd, second.encode() + b"\n")
    output += _read_until(fd, b"\n\n", timeout=60)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output


async def test_create_admin_asks_twice_on_a_terminal_without_echo(
    tmp_path: Path, fresh_database_url: str
) -> None:
    code, output = _create_admin_on_a_terminal(tmp_path, fresh_database_url, PASSWORD, PASSWORD)
    assert code == 0, output
    assert b"created admin root" in output
    assert PASSWORD.encode() not in output
    async with serve(make_settings(tmp_path, database_url=fresh_database_url)) as (_, client):
        assert (await login(client, "root", scope="admin")).status_code == 200


def test_create_admin_on_a_terminal_refuses_two_different_passwords(
    tmp_path: Path, fresh_database_url: str
) -> None:
    code, output = _create_admin_on_a_terminal(tmp_path, fresh_database_url, PASSWORD, PASSWORD + "x")
    assert code == 1
    assert b"The two passwords differ" in output


@pytest.mark.parametrize(("flags", "logged"), [([], True), (["--no-access-log"], False)])
def test_access_log_is_on_unless_turned_off(
    tmp_path: Path, fresh_database_url: str, flags: list[str], logged: bool
) -> None:
    def command(port: int) -> list[str]:
        return [sys.executable, RUN_PY, "--port", str(port), *flags]

    with running_service(tmp_path, fresh_database_url, command=command) as service:
        assert httpx.get(f"{service.url}/healthz").status_code == 200
    assert ('"GET /healthz HTTP/1.1" 200' in service.output) is logged
    # uvicorn's text, without the colours whose formatting cost more than writing the line
    line = re.compile(r'^INFO:     127\.0\.0\.1:\d+ - "GET /healthz HTTP/1\.1" 200$', re.MULTILINE)
    assert (line.search(service.output) is not None) is logged
