"""The `GET /user/me` cache never outlives a change: several workers, fresh connections, real HTTP.

Each check sends its requests one at a time, each on a new connection, until every worker has answered one;
which worker answered is read from the workers' own request counters (`counter_<pid>.db`, prometheus_client's
multiprocess files, kept once METRICS_TOKEN is set). So each worker has answered (and cached) the token before
the change is made, and each answers after it.
"""

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from .conftest import PASSWORD, SECRET
from .live import RUN_PY, Service, alive, create_admin, running_service
from .scrapes import TOKEN

WORKERS = 3
# each check: at least SPREAD requests, then on until every worker has answered one (the kernel hands new
# connections to the workers unevenly, but leaves none out for MAX_REQUESTS in a row)
SPREAD, MAX_REQUESTS = 12, 500


def fresh(
    service: Service, method: str, path: str, token: str | None = None, **kwargs: Any
) -> httpx.Response:
    """One request on a connection of its own."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=service.url, timeout=30) as client:
        return client.request(method, path, headers=headers, **kwargs)


def token(service: Service, username: str, password: str = PASSWORD) -> str:
    response = fresh(service, "POST", "/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    value: str = response.json()["access_token"]
    return value


def answered_by_worker(service: Service) -> dict[int, float]:
    """The `GET /user/me` each live worker has answered so far, by pid, read from its own counter file."""
    # running_service's DATA_DIR is data/ beside the log; run.py shares the metrics in data/metrics
    folder = service.log_file.parent / "data" / "metrics"
    answered = {}
    for counter_file in folder.glob("counter_*.db"):
        pid = int(counter_file.stem.removeprefix("counter_"))
        # uvicorn replaces a worker that misses its 5 s health check (slow start on a busy machine)
        if alive(pid):
            metrics = MultiProcessCollector.merge([str(counter_file)])  # type: ignore[no-untyped-call]
            samples = [sample for metric in metrics for sample in metric.samples]
            answered[pid] = sum(
                sample.value
                for sample in samples
                if sample.name == "http_requests_total"
                and (sample.labels["method"], sample.labels["route"]) == ("GET", "/user/me")
            )
    return answered


def by_worker(service: Service, access_token: str) -> dict[int, list[httpx.Response]]:
    """`GET /user/me` on fresh connections, one at a time, until every worker has answered (SPREAD at least):
    the answers by the pid of the worker that gave each, the one whose counter moved."""
    answers: dict[int, list[httpx.Response]] = {}
    live, sent = answered_by_worker(service), 0
    while sent < SPREAD or len(live) != WORKERS or not live.keys() <= answers.keys():
        assert sent < MAX_REQUESTS, (
            f"{sent} requests: live workers {sorted(live)}, answered {sorted(answers)}"
        )
        response = fresh(service, "GET", "/user/me", access_token)
        sent += 1
        after = answered_by_worker(service)
        moved = {pid: n - live.get(pid, 0.0) for pid, n in after.items() if n != live.get(pid, 0.0)}
        assert list(moved.values()) == [1.0], f"one worker should have counted the request: {moved}"
        answers.setdefault(next(iter(moved)), []).append(response)
        live = after
    return answers


def spread(service: Service, access_token: str) -> list[httpx.Response]:
    """`GET /user/me` answered by every worker (see by_worker), in one list."""
    return [response for answers in by_worker(service, access_token).values() for response in answers]


def statuses(service: Service, access_token: str) -> set[int]:
    return {response.status_code for response in spread(service, access_token)}


def register(service: Service, username: str) -> int:
    response = fresh(service, "POST", "/register", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    user_id: int = response.json()["id"]
    return user_id


@pytest.fixture
def workers(tmp_path: Path, fresh_database_url: str) -> Iterator[Service]:
    """`python run.py --workers 3`, with an administrator `root`, each worker counting its requests."""
    made = create_admin(tmp_path, fresh_database_url, "root", PASSWORD + "\n")
    assert made.returncode == 0, made.stderr

    def command(port: int) -> list[str]:
        return [sys.executable, RUN_PY, "--workers", str(WORKERS), "--port", str(port), "--no-access-log"]

    env = {"METRICS_TOKEN": TOKEN}
    with running_service(tmp_path, fresh_database_url, command=command, extra_env=env) as service:
        yield service


def test_every_change_reaches_every_worker_on_the_next_request(workers: Service) -> None:
    root = token(workers, "root")
    ids = {name: register(workers, name) for name in ("alice", "bob", "carol", "dave", "erin", "frank")}
    tokens = {name: token(workers, name) for name in ids}
    for access_token in tokens.values():
        assert statuses(workers, access_token) == {200}  # every worker has it cached now

    patched = fresh(workers, "PATCH", "/user/me", tokens["alice"], json={"full_name": "Alice Liddell"})
    assert patched.status_code == 200
    assert {response.json()["full_name"] for response in spread(workers, tokens["alice"])} == {
        "Alice Liddell"
    }

    assert fresh(workers, "POST", "/logout", tokens["bob"]).status_code == 204
    assert statuses(workers, tokens["bob"]) == {401}

    disabled = fresh(workers, "PATCH", f"/users/{ids['carol']}", root, json={"disabled": True})
    assert disabled.status_code == 200
    assert statuses(workers, tokens["carol"]) == {401}  # disabling ends the sessions

    assert fresh(workers, "DELETE", f"/users/{ids['dave']}", root).status_code == 204
    assert statuses(workers, tokens["dave"]) == {401}

    changed = fresh(
        workers,
        "POST",
        "/user/me/password",
        tokens["erin"],
        json={"current_password": PASSWORD, "new_password": "amber-Lighthouse-77"},
    )
    assert changed.status_code == 204
    assert statuses(workers, tokens["erin"]) == {401}

    sessions = fresh(workers, "GET", "/user/me/sessions", tokens["frank"]).json()
    second = token(workers, "frank")
    assert statuses(workers, second) == {200}
    (other,) = [
        s["id"]
        for s in fresh(workers, "GET", "/user/me/sessions", second).json()
        if s["id"] != sessions[0]["id"]
    ]
    assert fresh(workers, "DELETE", f"/user/me/sessions/{other}", tokens["frank"]).status_code == 204
    assert statuses(workers, second) == {401}
    assert statuses(workers, tokens["frank"]) == {200}


def test_a_promotion_and_a_demotion_show_on_every_worker(
    tmp_path: Path, fresh_database_url: str, workers: Service
) -> None:
    root = token(workers, "root")
    alice_id = register(workers, "alice")
    alice = token(workers, "alice")
    assert {response.json()["is_admin"] for response in spread(workers, alice)} == {False}
    # made outside any request: the command line bumps the counter itself
    promoted = create_admin(tmp_path, fresh_database_url, "alice", "")
    assert promoted.returncode == 0, promoted.stderr
    assert {response.json()["is_admin"] for response in spread(workers, alice)} == {True}
    demoted = fresh(workers, "PATCH", f"/users/{alice_id}", root, json={"is_admin": False})
    assert demoted.status_code == 200
    assert {response.json()["is_admin"] for response in spread(workers, alice)} == {False}


def test_a_revocation_reaches_another_machine_within_a_moment(
    tmp_path: Path, fresh_database_url: str
) -> None:
    # two services with data folders of their own share only the database, as two machines would
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    env = {"SECRET_KEY": SECRET}
    with (
        running_service(tmp_path / "a", fresh_database_url, extra_env=env) as first,
        running_service(tmp_path / "b", fresh_database_url, extra_env=env) as second,
    ):
        register(first, "alice")
        alice = token(first, "alice")
        assert fresh(second, "GET", "/user/me", alice).status_code == 200  # one worker: cached now
        assert fresh(first, "POST", "/logout", alice).status_code == 204
        started = time.monotonic()
        while fresh(second, "GET", "/user/me", alice).status_code == 200:
            assert time.monotonic() - started < 2.0, "the other machine still answers the revoked token"
            time.sleep(0.005)
        assert {fresh(second, "GET", "/user/me", alice).status_code for _ in range(3)} == {401}
