"""Several workers starting together on an empty database: real processes, real HTTP."""

import asyncio
import multiprocessing
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from pydantic import SecretStr

from api.bootstrap import prepare_database
from api.config import Settings

from .conftest import PASSWORD, SECRET, bearer
from .legacy import make_release_0_1_database, query
from .live import RUN_PY, alive, running_service
from .scrapes import TOKEN

WORKERS = 3
# requests on fresh connections until every worker has answered one; the kernel hands them out unevenly
MAX_REQUESTS = 500


def _answered(folder: Path, method: str, route: str) -> dict[int, float]:
    """The `method route` requests each live worker has answered, by pid, read from its own counter file."""
    answered = {}
    for counter_file in folder.glob("counter_*.db"):
        pid = int(counter_file.stem.removeprefix("counter_"))
        # uvicorn replaces a worker that misses its 5 s health check (slow start on a busy machine)
        if alive(pid):
            metrics = MultiProcessCollector.merge([str(counter_file)])  # type: ignore[no-untyped-call]
            answered[pid] = sum(
                sample.value
                for metric in metrics
                for sample in metric.samples
                if sample.name == "http_requests_total"
                and (sample.labels["method"], sample.labels["route"]) == (method, route)
            )
    return answered


def _request(
    base_url: str, folder: Path, method: str, path: str, **kwargs: Any
) -> tuple[int, httpx.Response]:
    """The request on a connection of its own: the worker that answered it (its counter moved), the answer."""
    before = _answered(folder, method, path)
    with httpx.Client(base_url=base_url, timeout=30) as fresh:
        response = fresh.request(method, path, **kwargs)
    after = _answered(folder, method, path)
    moved = {pid: n - before.get(pid, 0.0) for pid, n in after.items() if n != before.get(pid, 0.0)}
    assert list(moved.values()) == [1.0], f"one worker should have counted the request: {moved}"
    (worker,) = moved
    return worker, response


def _on_every_worker(base_url: str, folder: Path, method: str, path: str, **kwargs: Any) -> dict[int, int]:
    """The request on fresh connections, one at a time, until every live worker has answered it: the
    status each worker answered (the same every time), by pid."""
    statuses: dict[int, int] = {}
    sent = 0
    while len(live := _answered(folder, method, path)) != WORKERS or not live.keys() <= statuses.keys():
        assert sent < MAX_REQUESTS, (
            f"{sent} requests: live workers {sorted(live)}, answered {sorted(statuses)}"
        )
        worker, response = _request(base_url, folder, method, path, **kwargs)
        sent += 1
        assert statuses.setdefault(worker, response.status_code) == response.status_code, response.text
    return statuses


def _exercise(base_url: str, metrics_folder: Path) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert client.post("/register", json={"username": "alice", "password": PASSWORD}).status_code == 201
    # a token signed by every worker, each accepted by every worker: no worker signs with a key of its own
    tokens: dict[int, str] = {}
    sent = 0
    while (
        len(live := _answered(metrics_folder, "POST", "/token")) != WORKERS
        or not live.keys() <= tokens.keys()
    ):
        assert sent < MAX_REQUESTS, f"{sent} logins: live workers {sorted(live)}, signed by {sorted(tokens)}"
        issuer, login = _request(
            base_url, metrics_folder, "POST", "/token", data={"username": "alice", "password": PASSWORD}
        )
        sent += 1
        assert login.status_code == 200, login.text
        tokens[issuer] = login.json()["access_token"]
    for issuer, token in tokens.items():
        verified = _on_every_worker(base_url, metrics_folder, "GET", "/user/me", headers=bearer(token))
        assert set(verified.values()) == {200}, f"worker {issuer}'s token, by worker: {verified}"


def _run_py(port: int) -> list[str]:
    return [sys.executable, RUN_PY, "--workers", str(WORKERS), "--port", str(port)]


def _uvicorn(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "api:app", "--workers", str(WORKERS), "--port", str(port)]


@pytest.mark.parametrize(
    "launcher",
    [
        pytest.param(_run_py, id="run.py"),
        # plain uvicorn skips run.py's one-time preparation: the workers themselves must not race
        pytest.param(_uvicorn, id="uvicorn"),
    ],
)
def test_three_workers_start_together_on_an_empty_database(
    tmp_path: Path, fresh_database_url: str, launcher: Callable[[int], list[str]]
) -> None:
    # with METRICS_TOKEN each worker counts its answers in a file of its own, which tells which worker
    # answered: run.py keeps them in data/metrics, plain uvicorn where PROMETHEUS_MULTIPROC_DIR says
    env = {"METRICS_TOKEN": TOKEN}
    metrics_folder = tmp_path / "data" / "metrics"
    if launcher is _uvicorn:
        metrics_folder = tmp_path / "metrics"
        metrics_folder.mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_folder)
    with running_service(tmp_path, fresh_database_url, command=launcher, extra_env=env) as service:
        _exercise(service.url, metrics_folder)
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
