"""The browser side over plain HTTP: form login, cookie flags, open redirects, pages and their headers."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.config import Settings

from .conftest import PASSWORD, make_settings, register, serve
from .forms import BROWSER, ORIGIN, browser_client, browser_login


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with browser_client(settings) as https_client:
        yield https_client


async def test_form_login_sets_a_strict_cookie_and_redirects_303(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    response = await browser_login(client, next="/private")
    assert response.status_code == 303
    assert response.headers["location"] == "/private"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("auth_token=")
    for flag in ("HttpOnly", "SameSite=lax", "Secure", "Path=/", "Max-Age=1800"):
        assert flag.lower() in cookie.lower(), flag


async def test_cookie_is_not_secure_when_cookie_secure_is_false(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, cookie_secure=False)) as (_, plain):
        await register(plain, "alice")
        response = await browser_login(plain)
        assert "secure" not in response.headers["set-cookie"].lower()
        # and so it travels over plain http
        assert (await plain.get("/user/me")).status_code == 200


async def test_api_clients_still_get_json_from_the_token_url(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    response = await client.post("/token", data={"username": "alice", "password": PASSWORD}, headers=ORIGIN)
    assert response.status_code == 200 and "access_token" in response.json()
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil",
        "/%0d%0aX: y",
    ],
)
async def test_login_never_redirects_off_site(client: httpx.AsyncClient, target: str) -> None:
    await register(client, "alice")
    response = await browser_login(client, next=target)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil" not in location or location == target


async def test_failed_form_login_shows_the_form_again_with_the_error(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    form = {"username": "alice", "password": "wrong-password", "next": "/private"}
    response = await client.post("/token", data=form, headers=BROWSER)
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "Incorrect username or password" in response.text
    assert 'value="alice"' in response.text and 'value="/private"' in response.text
    assert "wrong-password" not in response.text


async def test_form_login_from_another_site_is_refused(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    form = {"username": "alice", "password": PASSWORD}
    headers = {**BROWSER, "Origin": "https://evil.example"}
    response = await client.post("/token", data=form, headers=headers)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


async def test_cookie_authenticates_the_api(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await browser_login(client)
    response = await client.get("/user/me")
    assert response.status_code == 200 and response.json()["username"] == "alice"


async def test_private_page_sends_anonymous_visitors_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/private")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/private"


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/docs"])
async def test_pages_carry_the_security_headers(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_login_form_posts_to_the_configured_token_url(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, token_url="shild")) as (_, client):
        page = (await client.get("/login")).text
        assert 'action="/shild"' in page


async def test_registration_page_logs_the_new_user_in(client: httpx.AsyncClient) -> None:
    form = {"username": "alice", "password": PASSWORD, "email": "", "full_name": ""}
    response = await client.post("/register/form", data=form, headers=BROWSER)
    assert response.status_code == 303 and response.headers["location"] == "/"
    home = (await client.get("/")).text
    assert "You are signed in as" in home and ">alice<" in home
    assert (await client.get("/user/me")).json()["username"] == "alice"


@pytest.mark.parametrize(
    ("form", "message", "code"),
    [
        ({"username": "alice", "password": "password1"}, "too common", 422),
        ({"username": "a!", "password": PASSWORD}, "Username", 422),
        ({"username": "taken", "password": PASSWORD}, "Username already registered", 409),
    ],
)
async def test_registration_page_shows_errors_and_keeps_the_username(
    client: httpx.AsyncClient, form: dict[str, str], message: str, code: int
) -> None:
    await register(client, "taken")
    response = await client.post("/register/form", data=form, headers=BROWSER)
    assert response.status_code == code
    assert message in response.text
    assert f'value="{form["username"]}"' in response.text
    assert form["password"] not in response.text


async def test_registration_page_is_refused_while_registration_is_closed(tmp_path: Path) -> None:
    async with browser_client(make_settings(tmp_path, registration_open=False)) as closed:
        form = {"username": "alice", "password": PASSWORD}
        response = await closed.post("/register/form", data=form, headers=BROWSER)
        assert response.status_code == 403
        assert "Registration is closed" in response.text
        assert (await closed.get("/user/me")).status_code == 401
