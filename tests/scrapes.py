"""Reading `GET /metrics`: the token the tests set, a client of an app with metrics on, and sample values."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from .conftest import bearer, make_settings, serve

TOKEN = "metrics-token-for-the-tests-0123"


@asynccontextmanager
async def metrics_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with METRICS_TOKEN set, on https://testserver so the pages' forms work too."""
    settings = make_settings(tmp_path, metrics_token=SecretStr(TOKEN))
    async with serve(settings, base_url="https://testserver") as (_, client):
        yield client


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value in a scrape, 0 when it is absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def requests_of(text: str, method: str, route: str, status: int) -> float:
    """The `http_requests_total` sample for these labels."""
    return sample(text, "http_requests_total", method=method, route=route, status=str(status))


async def scrape(client: httpx.AsyncClient) -> str:
    """The text of `GET /metrics` with the right token."""
    response = await client.get("/metrics", headers=bearer(TOKEN))
    assert response.status_code == 200, response.text
    return response.text
