"""`GET /metrics`: off unless METRICS_TOKEN is set, bearer-protected; requests counted by route template.

The metrics are process-wide, so each test compares a figure before and after what it does.
"""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.types import Receive, Scope, Send

from api.hotpath import me
from api.http.request_metrics import RequestMetrics
from api.observability import metrics

from .conftest import admin_token, bearer, make_settings, serve, token_for
from .scrapes import TOKEN, metrics_client, requests_of, sample, scrape


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with metrics_client(tmp_path) as client:
        yield client


async def test_metrics_is_404_without_a_metrics_token(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path)) as (_, plain):
        response = await plain.get("/metrics", headers=bearer(TOKEN))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


async def test_requests_are_not_counted_without_a_metrics_token(tmp_path: Path) -> None:
    before = metrics.exposition().decode()
    async with serve(make_settings(tmp_path)) as (_, plain):
        assert (await plain.get("/healthz")).status_code == 200
    after = metrics.exposition().decode()
    assert requests_of(after, "GET", "/healthz", 200) == requests_of(before, "GET", "/healthz", 200)


@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Basic {TOKEN}"}], ids=["none", "basic"])
async def test_metrics_without_bearer_credentials_is_401_not_authenticated(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("token", [b"wrong-token", TOKEN[:-1].encode(), "\N{SNOWMAN}".encode()])
async def test_metrics_with_a_wrong_token_is_401_invalid_token(
    client: httpx.AsyncClient, token: bytes
) -> None:
    response = await client.get("/metrics", headers={b"Authorization": b"Bearer " + token})
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_metrics_serves_prometheus_text_with_the_right_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics", headers=bearer(TOKEN))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {
        "http_requests",
        "http_request_duration_seconds",
        "auth_logins",
        "auth_registrations",
        "auth_password_hash_seconds",
        "auth_mails_pending",
    } <= names
    assert TOKEN not in response.text
    assert sample(response.text, "auth_mails_pending") == 0


async def test_metrics_stays_out_of_the_openapi_document(client: httpx.AsyncClient) -> None:
    assert "/metrics" not in (await client.get("/openapi.json")).json()["paths"]


async def test_route_label_is_the_template_never_the_raw_path(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    before = await scrape(client)
    assert (await client.get("/users/12345", headers=bearer(token))).status_code == 404
    after = await scrape(client)
    template = "/users/{user_id}"
    assert requests_of(after, "GET", template, 404) - requests_of(before, "GET", template, 404) == 1
    duration = "http_request_duration_seconds_count"
    assert sample(after, duration, method="GET", route=template) > sample(
        before, duration, method="GET", route=template
    )
    assert "/users/12345" not in after


async def test_unknown_path_counts_as_unmatched_not_as_itself(client: httpx.AsyncClient) -> None:
    path = f"/no-such-page-{uuid.uuid4().hex}"
    before = await scrape(client)
    assert (await client.get(path)).status_code == 404
    after = await scrape(client)
    assert requests_of(after, "GET", "<unmatched>", 404) - requests_of(before, "GET", "<unmatched>", 404) == 1
    assert path not in after


async def test_static_files_count_under_their_mount(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    assert (await client.get("/static/style.css")).status_code == 200
    after = await scrape(client)
    route = "/static/{path}"
    assert requests_of(after, "GET", route, 200) - requests_of(before, "GET", route, 200) == 1
    assert "style.css" not in after


@pytest.mark.parametrize("path", sorted(me.PATHS))
async def test_fast_path_answers_are_counted(client: httpx.AsyncClient, path: str) -> None:
    token = await token_for(client)
    before = await scrape(client)
    assert (await client.get(path, headers=bearer(token))).status_code == 200
    after = await scrape(client)
    assert requests_of(after, "GET", path, 200) - requests_of(before, "GET", path, 200) == 1


async def test_body_limit_refusals_are_counted(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    assert (await client.post("/register", content=b"x" * 100_000)).status_code == 413
    after = await scrape(client)
    assert (
        requests_of(after, "POST", "<unmatched>", 413) - requests_of(before, "POST", "<unmatched>", 413) == 1
    )


async def test_an_app_failing_before_its_answer_counts_as_500() -> None:
    async def failing(_scope: Scope, _receive: Receive, _send: Send) -> None:
        raise RuntimeError("boom")

    app = RequestMetrics(failing, fast_paths=frozenset())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    before = metrics.exposition().decode()
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as failing_client:
        assert (await failing_client.post("/anything")).status_code == 500
    after = metrics.exposition().decode()
    assert (
        requests_of(after, "POST", "<unmatched>", 500) - requests_of(before, "POST", "<unmatched>", 500) == 1
    )
