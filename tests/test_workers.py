"""Several workers starting together on an empty database: real processes, real HTTP."""

import asyncio
import multiprocessing
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.bootstrap import prepare_database
from api.config import Settings

from .conftest import PASSWORD, SECRET
from .legacy import make_release_0_1_database, query
from .live import RUN_PY, running_service


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
            lambda port: [sys.executable, RUN_PY, "--workers", "3", "--port", str(port)],
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
    tmp_path: Path, fresh_database_url: str, launcher: Callable[[int], list[str]]
) -> None:
    with running_service(tmp_path, fresh_database_url, command=launcher) as service:
        _exercise(service.url)
    assert "Traceback" not in service.output, service.output
    assert "ERROR" not in service.output, service.output
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


@pytest.mark.parametrize("start", ["empty", "release 0.1.0"])
async def test_eight_processes_preparing_a_database_at_once_migrate_it_once(
    tmp_path: Path, fresh_database_url: str, start: str
) -> None:
    if start == "release 0.1.0":
        await make_release_0_1_database(fresh_database_url, secret=SECRET, accounts=[("alice", False)])
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
    history = await query(fresh_database_url, "SELECT app, name FROM tortoise_migrations")
    shipped = sorted(
        path.stem for path in (Path(__file__).parent.parent / "api" / "db" / "migrations").glob("[0-9]*.py")
    )
    assert sorted(history) == [("models", name) for name in shipped]
