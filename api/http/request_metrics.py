"""The ASGI middleware counting and timing every HTTP request for Prometheus."""

from time import perf_counter

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability.metrics import http_request_duration, http_requests

UNMATCHED = "<unmatched>"
# anything else a client sends as a method is one label, not a new series per invented verb
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


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
