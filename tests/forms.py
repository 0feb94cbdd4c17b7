"""Requests as a browser sends them: form posts from this site, over https so the Secure cookie travels."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from api.config import Settings

from .conftest import PASSWORD, serve

ORIGIN = {"Origin": "https://testserver"}
BROWSER = {"Accept": "text/html,application/xhtml+xml", **ORIGIN}


@asynccontextmanager
async def browser_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app on https://testserver, as a browser would be."""
    async with serve(settings, base_url="https://testserver") as (_, client):
        yield client


async def browser_login(
    client: httpx.AsyncClient, username: str = "alice", next: str = "/"
) -> httpx.Response:
    """Log in as the login page's form does."""
    form = {"grant_type": "password", "username": username, "password": PASSWORD, "next": next}
    return await client.post("/token", data=form, headers=BROWSER)


def csrf_of(page: str) -> str:
    """The CSRF token a page carries in its `<meta name="csrf-token">`."""
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
