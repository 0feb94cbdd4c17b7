"""Prometheus metrics: what the service counts, and the scrape (`api.http.request_metrics` times requests)."""

import os
from pathlib import Path

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

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# read once, like prometheus_client itself, which picks its value storage when first imported
_MULTIPROCESS = MULTIPROCESS_DIR in os.environ
LOGIN_OUTCOMES = ("success", "failure", "throttled", "inactive", "unverified", "mfa_required", "mfa_failure")
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
# a resource server introspects on each of its requests: counted here, not an audit event per call
introspections = Counter("auth_introspections_total", "Token introspections answered", ["active"])
password_hash_seconds = Histogram(
    "auth_password_hash_seconds", "Time one password hash or verification took in its thread"
)
# every worker will read the same count from the outbox table: the latest reading is the figure
mails_pending = Gauge("auth_mails_pending", "E-mails waiting to be sent", multiprocess_mode="mostrecent")
mails_pending.set(0)

_login_counters = {outcome: logins.labels(outcome=outcome) for outcome in LOGIN_OUTCOMES}


_introspection_counters = {
    active: introspections.labels(active=str(active).lower()) for active in (True, False)
}


def count_introspection(*, active: bool) -> None:
    """Count one introspection answer (a client authenticated, the token active or not)."""
    _introspection_counters[active].inc()


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
