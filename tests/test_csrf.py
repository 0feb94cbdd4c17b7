"""CSRF: what the auth cookie may do only from this site and with the session's CSRF token."""

from collections.abc import AsyncIterator

import httpx
import pytest

from api.config import Settings
from api.core.csrf import CsrfTokens

from .conftest import PASSWORD, register
from .forms import BROWSER, ORIGIN, browser_client, browser_login, csrf_of


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with browser_client(settings) as https_client:
        yield https_client


async def test_cookie_post_without_csrf_token_is_403(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await browser_login(client)
    response = await client.patch("/user/me", json={"full_name": "Mallory"}, headers=ORIGIN)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


async def test_cookie_post_from_another_origin_is_403_even_with_the_token(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await browser_login(client)
    token = csrf_of((await client.get("/")).text)
    response = await client.patch(
        "/user/me",
        json={"full_name": "Mallory"},
        headers={"Origin": "https://evil.example", "X-CSRF-Token": token},
    )
    assert response.status_code == 403


async def test_cookie_post_without_origin_or_referer_is_403(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await browser_login(client)
    token = csrf_of((await client.get("/")).text)
    assert (await client.patch("/user/me", json={}, headers={"X-CSRF-Token": token})).status_code == 403


async def test_script_with_the_csrf_header_may_change_things(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await browser_login(client)
    token = csrf_of((await client.get("/")).text)
    response = await client.patch(
        "/user/me", json={"full_name": "Alice"}, headers={**ORIGIN, "X-CSRF-Token": token}
    )
    assert response.status_code == 200 and response.json()["full_name"] == "Alice"


async def test_bearer_requests_need_no_csrf_token(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    token = (await client.post("/token", data={"username": "alice", "password": PASSWORD})).json()[
        "access_token"
    ]
    response = await client.patch(
        "/user/me", json={"full_name": "Alice"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


async def test_page_logout_revokes_the_session_clears_the_cookie_and_goes_home(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "alice")
    await browser_login(client)
    cookie = client.cookies["auth_token"]
    token = csrf_of((await client.get("/")).text)
    response = await client.post("/logout", data={"csrf_token": token}, headers=BROWSER)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cleared = response.headers["set-cookie"]
    assert cleared.startswith('auth_token=""; expires=') and cleared.endswith(
        "; HttpOnly; Max-Age=0; Path=/; SameSite=lax; Secure"
    )
    # the old cookie value no longer works, even if a browser kept it
    assert (await client.get("/user/me", headers={"Authorization": f"Bearer {cookie}"})).status_code == 401


async def test_page_logout_without_the_csrf_token_is_403(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await browser_login(client)
    response = await client.post("/logout", data={}, headers=BROWSER)
    assert response.status_code == 403
    assert (await client.get("/user/me")).status_code == 200


def test_csrf_tokens_belong_to_one_session() -> None:
    tokens = CsrfTokens("k" * 40)
    assert tokens.matches("session-a", tokens.for_session("session-a"))
    assert not tokens.matches("session-b", tokens.for_session("session-a"))
