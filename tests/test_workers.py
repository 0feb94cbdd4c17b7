"""Several workers starting together on an empty database: real processes, real HTTP."""

import asyncio
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.bootstrap import prepare_database
from api.config import Settings

from .conftest import PASSWORD, SECRET

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start(command: list[str], *, cwd: Path, database_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(cwd / "data")}
    env.pop("SECRET_KEY", None)
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_until_healthy(base_url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    output = _stop(process)
    pytest.fail(f"the server never became healthy:\n{output}")


def _stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output


def _exercise(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert client.post("/register", json={"username": "alice", "password": PASSWORD}).status_code == 201
        # fresh connections land on different workers: every one must accept every other's tokens
        for _ in range(6):
            with httpx.Client(base_url=base_url, timeout=30) as fresh:
                token = fresh.post("/token", data={"username": "alice", "password": PASSWORD}).json()
                me = fresh.get("/user/me", headers={"Authorization": f"Bearer {token['access_token']}"})
                assert me.status_code == 200


@pytest.mark.parametrize(
    "launcher",
    [
        pytest.param(
            lambda port: [sys.executable, str(ROOT / "run.py"), "--workers", "3", "--port", str(port)],
            id="run.py",
        ),
        # plain uvicorn skips run.py's one-time preparation: the workers themselves must not race
        pytest.param(
            lambda port: [sys.executable, "-m", "uvicorn", "api:app", "--workers", "3", "--port", str(port)],
            id="uvicorn",
        ),
    ],
)
def test_three_workers_start_together_on_an_empty_database(
    tmp_path: Path, fresh_database_url: str, launcher: object
) -> None:
    port = _free_port()
    command = launcher(port)  # type: ignore[operator]
    process = _start(command, cwd=tmp_path, database_url=fresh_database_url)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process)
        _exercise(base_url)
    finally:
        output = _stop(process)
    assert "Traceback" not in output, output
    assert "ERROR" not in output, output
    assert (tmp_path / "data" / "secret.key").exists()


def _prepare_after_barrier(database_url: str, data_dir: str, barrier: Any, results: Any) -> None:
    settings = Settings(
        _env_file=None, database_url=database_url, data_dir=Path(data_dir), secret_key=SecretStr(SECRET)
    )
    barrier.wait()
    try:
        asyncio.run(prepare_database(settings))
        results.put("ok")
    except Exception as exc:  # reported to the test, which shows it
        results.put(repr(exc))


def test_eight_processes_preparing_an_empty_database_at_once_never_race(
    tmp_path: Path, fresh_database_url: str
) -> None:
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(8), spawn.Queue()
    processes = [
        spawn.Process(
            target=_prepare_after_barrier, args=(fresh_database_url, str(tmp_path / "data"), barrier, results)
        )
        for _ in range(8)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert outcomes == ["ok"] * 8
