"""`GET /metrics` for Prometheus, behind METRICS_TOKEN; create_app includes it only when that is set."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import SecretStr

from api.errors import InvalidAccessToken, NotAuthenticated
from api.http.credentials import bearer_token
from api.observability import metrics


def _require_bearer(authorization: str | None, expected: bytes) -> None:
    presented = bearer_token(authorization)
    if presented is None:
        raise NotAuthenticated
    # bytes: compare_digest refuses a str with non-ASCII characters, which a header may carry
    if not hmac.compare_digest(presented.encode(), expected):
        raise InvalidAccessToken


def metrics_router(token: SecretStr) -> APIRouter:
    """The scrape endpoint, answering only `Authorization: Bearer <token>`."""
    # out of the OpenAPI document: it serves the scraper, not the API's clients, and its token is not one
    # that Swagger's Authorize should ask for
    router = APIRouter(include_in_schema=False)
    expected = token.get_secret_value().encode()

    # a plain def, which FastAPI runs in a thread: with several workers it reads every worker's files
    @router.get("/metrics")
    def scrape(authorization: Annotated[str | None, Header()] = None) -> Response:
        """The service's metrics in Prometheus' text format."""
        _require_bearer(authorization, expected)
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    return router
