"""Introspection's cached answers and client authentications never outlive a change, on any worker: a
logout and a rotated secret reach every worker on the next request (real HTTP, `run.py --workers 3`)."""

from collections.abc import Callable

import httpx
from prometheus_client.multiprocess import MultiProcessCollector

from .live import Service, alive
from .test_answer_cache_workers import (  # noqa: F401 (workers: the fixture)
    MAX_REQUESTS,
    SPREAD,
    WORKERS,
    fresh,
    register,
    token,
    workers,
)
from .test_introspection import basic

INTROSPECT = "/token/introspect"


def _introspections_by_worker(service: Service) -> dict[int, float]:
    folder = service.log_file.parent / "data" / "metrics"
    answered = {}
    for counter_file in folder.glob("counter_*.db"):
        pid = int(counter_file.stem.removeprefix("counter_"))
        if alive(pid):
            metrics = MultiProcessCollector.merge([str(counter_file)])  # type: ignore[no-untyped-call]
            answered[pid] = sum(
                sample.value
                for metric in metrics
                for sample in metric.samples
                if sample.name == "http_requests_total"
                and (sample.labels["method"], sample.labels["route"]) == ("POST", INTROSPECT)
            )
    return answered


def _on_every_worker(service: Service, send: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """The request on fresh connections, one at a time, until every worker has answered it."""
    answered: set[int] = set()
    responses: list[httpx.Response] = []
    live = _introspections_by_worker(service)
    while len(responses) < SPREAD or len(live) != WORKERS or not live.keys() <= answered:
        assert len(responses) < MAX_REQUESTS, f"live workers {sorted(live)}, answered {sorted(answered)}"
        responses.append(send())
        after = _introspections_by_worker(service)
        answered |= {pid for pid, count in after.items() if count != live.get(pid, 0.0)}
        live = after
    return responses


def _introspected(service: Service, auth: dict[str, str], access_token: str) -> set[tuple[int, bool]]:
    def send() -> httpx.Response:
        with httpx.Client(base_url=service.url, timeout=30) as client:
            return client.post(INTROSPECT, data={"token": access_token}, headers=auth)

    return {
        (response.status_code, response.status_code == 200 and response.json()["active"])
        for response in _on_every_worker(service, send)
    }


def test_a_logout_and_a_rotated_secret_reach_every_worker(workers: Service) -> None:  # noqa: F811
    root = token(workers, "root")
    created = fresh(
        workers,
        "POST",
        "/clients",
        root,
        json={"name": "rs", "grant_types": ["client_credentials"], "scopes": []},
    )
    assert created.status_code == 201, created.text
    client_id, secret = created.json()["client_id"], created.json()["client_secret"]
    register(workers, "alice")
    alice = token(workers, "alice")
    assert _introspected(workers, basic(client_id, secret), alice) == {(200, True)}  # cached everywhere

    assert fresh(workers, "POST", "/logout", alice).status_code == 204
    assert _introspected(workers, basic(client_id, secret), alice) == {(200, False)}

    again = token(workers, "alice")
    assert _introspected(workers, basic(client_id, secret), again) == {(200, True)}
    rotated = fresh(workers, "POST", f"/clients/{client_id}/secret", root)
    assert rotated.status_code == 200, rotated.text
    assert _introspected(workers, basic(client_id, secret), again) == {(401, False)}
    assert _introspected(workers, basic(client_id, rotated.json()["client_secret"]), again) == {(200, True)}
