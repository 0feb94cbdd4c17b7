"""Metrics with several workers: real processes, real HTTP; every scrape reports the sum over the workers."""

import shutil
import sys
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from .conftest import bearer
from .live import RUN_PY, alive, running_service
from .scrapes import TOKEN, requests_of

ROUTE = "/.well-known/oauth-authorization-server"
# at least this many, then on until both workers have answered some
MIN_REQUESTS, MAX_REQUESTS = 20, 200
MIN_SCRAPES = 4


def _per_worker(folder: Path, tmp_path: Path, route: str) -> dict[str, float]:
    """`GET route` answers counted by each worker, read from that worker's own file alone."""
    counts = {}
    for counter_file in sorted(folder.glob("counter_*.db")):
        alone = tmp_path / "alone" / counter_file.stem
        alone.mkdir(parents=True)
        shutil.copy(counter_file, alone)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))  # type: ignore[no-untyped-call]
        counts[counter_file.stem] = requests_of(generate_latest(registry).decode(), "GET", route, 200)
        shutil.rmtree(alone)
    return counts


def _both_answered(folder: Path, tmp_path: Path, route: str) -> bool:
    # the live workers only: uvicorn replaces a worker that misses its 5 s health check (a slow start on a
    # busy machine), whose file stays behind
    counts = _per_worker(folder, tmp_path, route)
    live = [count for name, count in counts.items() if alive(int(name.removeprefix("counter_")))]
    return len(live) == 2 and all(live)


def _fresh_get(url: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    # a new connection each time, so the kernel hands the requests to either worker
    with httpx.Client(base_url=url, timeout=30) as fresh:
        return fresh.get(path, headers=headers)


def _two_workers(port: int) -> list[str]:
    return [sys.executable, RUN_PY, "--workers", "2", "--port", str(port)]


def test_every_scrape_reports_the_requests_of_both_workers(tmp_path: Path, fresh_database_url: str) -> None:
    folder = tmp_path / "data" / "metrics"
    folder.mkdir(parents=True)
    (folder / "counter_1.db").write_bytes(b"left over from an earlier run")
    env = {"METRICS_TOKEN": TOKEN}
    with running_service(tmp_path, fresh_database_url, command=_two_workers, extra_env=env) as service:
        assert not (folder / "counter_1.db").exists()
        sent = 0
        while sent < MIN_REQUESTS or not _both_answered(folder, tmp_path, ROUTE):
            assert sent < MAX_REQUESTS, f"not both workers counted: {_per_worker(folder, tmp_path, ROUTE)}"
            assert _fresh_get(service.url, ROUTE).status_code == 200
            sent += 1
        assert sum(_per_worker(folder, tmp_path, ROUTE).values()) == sent
        scraped: list[float] = []
        while len(scraped) < MIN_SCRAPES or not _both_answered(folder, tmp_path, "/metrics"):
            assert len(scraped) < MAX_REQUESTS, "one worker answered every scrape"
            response = _fresh_get(service.url, "/metrics", headers=bearer(TOKEN))
            assert response.status_code == 200
            scraped.append(requests_of(response.text, "GET", ROUTE, 200))
    assert scraped == [sent] * len(scraped)
    assert TOKEN not in service.output
    assert "Traceback" not in service.output, service.output
