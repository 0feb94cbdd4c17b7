"""Prometheus metrics: what the service counts, the ASGI middleware timing every request, and the scrape."""

import os
from pathlib import Path
from time import perf_counter

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# read once, like prometheus_client itself, which picks its value storage when first imported
_MULTIPROCESS = MULTIPROCESS_DIR in os.environ
UNMATCHED = "<unmatched>"
LOGIN_OUTCOMES = ("success", "failure", "throttled", "inactive", "unverified", "mfa_required", "mfa_failure")
# anything else a client sends as a method is one label, not a new series per invented verb
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# most answers take about a millisecond; a login, an Argon2 hash
_DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# multiprocess mode exports no `_created` series: one worker or several, the same series
disable_created_metrics()  # type: ignore[no-untyped-call]

http_requests = Counter("http_requests_total", "HTTP requests answered", ["method", "route", "status"])
http_request_duration = Histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival to its last response byte leaving the app",
    ["method", "route"],
    buckets=_DURATION_BUCKETS,
)
logins = Counter("auth_logins_total", "Password-grant logins by outcome", ["outcome"])
registrations = Counter("auth_registrations_total", "Accounts created by self-registration")
password_hash_seconds = Histogram(
    "auth_password_hash_seconds", "Time one password hash or verification took in its thread"
)
# every worker will read the same count from the outbox table: the latest reading is the figure
mails_pending = Gauge("auth_mails_pending", "E-mails waiting to be sent", multiprocess_mode="mostrecent")
mails_pending.set(0)

_login_counters = {outcome: logins.labels(outcome=outcome) for outcome in LOGIN_OUTCOMES}


def count_login(outcome: str) -> None:
    """Count one password-grant login with its outcome (`success`, `failure`, `throttled`, `inactive`)."""
    _login_counters[outcome].inc()


def share_between_processes(folder: Path) -> None:
    """Make processes started from now on keep their figures in `folder`, emptied first, and sum them."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR] = str(folder.resolve())


def exposition() -> bytes:
    """Every metric in Prometheus' text format: this process's, or the sum over all workers'."""
    if not _MULTIPROCESS:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def _route_label(scope: Scope, root_path: str, fast_paths: frozenset[str]) -> str:
    route = scope.get("route")
    if route is not None:
        template: str = getattr(route, "path_format", UNMATCHED)
        return template
    if scope["path"] in fast_paths:  # answered before routing
        path: str = scope["path"]
        return path
    mount = scope.get("root_path", "")[len(root_path) :]
    return f"{mount}/{{path}}" if mount else UNMATCHED


class RequestMetrics:
    """ASGI middleware counting and timing every HTTP request; the outermost, so it sees every answer.

    The route label is the matched route's template; `fast_paths` (fixed paths that a middleware may answer
    before routing) label themselves; anything else is its mount's `/prefix/{path}` or `<unmatched>`.
    """

    def __init__(self, app: ASGIApp, *, fast_paths: frozenset[str]) -> None:
        self.app = app
        self._fast_paths = fast_paths
        # (method, route, status) -> its two series: `.labels()` costs more than the increment itself
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        root_path = scope.get("root_path", "")
        status = 500  # what the server answers when the app fails before starting a response
        recorded = False

        async def measured_send(message: Message) -> None:
            nonlocal status, recorded
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # before the last byte goes out, so a client that has its answer also finds it counted
                recorded = True
                self._record(scope, root_path, status, perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, measured_send)
        finally:
            if not recorded:
                self._record(scope, root_path, status, perf_counter() - started)

    def _record(self, scope: Scope, root_path: str, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "other"
        key = (method, _route_label(scope, root_path, self._fast_paths), status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                http_requests.labels(method=key[0], route=key[1], status=str(status)),
                http_request_duration.labels(method=key[0], route=key[1]),
            )
        series[0].inc()
        series[1].observe(seconds)
