"""Hostile input gets a clear 4xx, never a 500, and leaves nothing half-written."""

import base64
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from api.config import Settings
from api.db.models import User

from .conftest import PASSWORD, admin_token, bearer, direct_writes, login, register, token_for
from .forms import BROWSER, browser_client, browser_login, csrf_of


@pytest.mark.parametrize(
    "username", ["nul\x00byte", "😀😀😀", "' OR 1=1 --", "a" * 10_000, "tab\there", "", "   "]
)
async def test_hostile_usernames_at_registration_are_422(client: httpx.AsyncClient, username: str) -> None:
    response = await register(client, username)
    assert response.status_code == 422
    assert await User.all().count() == 0


@pytest.mark.parametrize("username", ["nul\x00byte", "😀", "' OR 1=1 --", "a" * 10_000, "admin'--"])
async def test_hostile_usernames_at_login_are_400_invalid_grant(
    client: httpx.AsyncClient, username: str
) -> None:
    response = await login(client, username, PASSWORD)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_nul_and_emoji_in_passwords_work_end_to_end(client: httpx.AsyncClient) -> None:
    password = "emoji-😀-and-nul-\x00-inside"
    assert (await register(client, "alice", password)).status_code == 201
    assert (await login(client, "alice", password)).status_code == 200
    assert (await login(client, "alice", password.replace("\x00", ""))).status_code == 400


@pytest.mark.parametrize("field", ["full_name", "email"])
async def test_nul_bytes_in_profile_fields_are_422(client: httpx.AsyncClient, field: str) -> None:
    response = await register(client, "alice", **{field: "evil\x00@example.com"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]


async def test_nul_in_full_name_update_is_422(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    response = await client.patch("/user/me", json={"full_name": "a\x00b"}, headers=bearer(token))
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"username": "alice", "password": ', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"username=alice&password=violet-Staircase-42", "application/x-www-form-urlencoded"),
        (b"username alice", "text/plain"),
        (b"\xff\xfe\x00garbage", "application/json"),
    ],
)
async def test_malformed_or_mistyped_bodies_at_registration_are_422(
    client: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await client.post("/register", content=content, headers={"content-type": content_type})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"--x\r\nbroken multipart", "multipart/form-data; boundary=x"),
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
        (b"<xml/>", "application/xml"),
    ],
)
async def test_malformed_token_requests_are_400_invalid_request(
    client: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await client.post("/token", content=content, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_declared_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/register", content=b"x" * (64 * 1024 + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}


async def test_streamed_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    response = await client.post("/register", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_streamed_body_under_the_limit_is_served(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"username": "alice", '
        yield f'"password": "{PASSWORD}"}}'.encode()

    response = await client.post("/register", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 201


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer " + "x" * 20_000,
        "Bearer \u00e9\u00e9",
        "Basic YWxpY2U6cGFzcw==",
        "Bearer a.b.c",
        "Bearer ....",
    ],
)
async def test_garbage_authorization_headers_are_401(client: httpx.AsyncClient, authorization: str) -> None:
    response = await client.get("/user/me", headers=[(b"authorization", authorization.encode("latin-1"))])
    assert response.status_code == 401


@pytest.mark.parametrize("token", ["nul\x00token", "x" * 10_000, "😀"])
async def test_hostile_refresh_and_revocation_tokens_are_refused_cleanly(
    client: httpx.AsyncClient, token: str
) -> None:
    refreshed = await client.post("/token", data={"grant_type": "refresh_token", "refresh_token": token})
    assert refreshed.status_code == 400
    assert (await client.post("/token/revoke", data={"token": token})).status_code == 200


async def test_session_path_with_garbage_is_422(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    response = await client.delete("/user/me/sessions/'; DROP TABLE sessions;--", headers=bearer(token))
    assert response.status_code == 422


@pytest.mark.parametrize("user_id", ["99999999999999999999", "-1", "1e3"])
async def test_admin_paths_with_odd_ids_are_422(client: httpx.AsyncClient, user_id: str) -> None:
    await register(client, "root")
    async with direct_writes(client):
        await User.filter(username_key="root").update(is_admin=True)
    token = (await login(client, "root")).json()["access_token"]
    response = await client.get(f"/users/{user_id}", headers=bearer(token))
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["path", "user_id"]]


NUL = "nul\x00byte"
LONG = "a" * 5_000
# (who asks, method, URL, what is sent): HOSTILE stands for the hostile value, wherever it may reach a query
R = tuple[str, str, str, dict[str, Any]]
_USER = ("alice", PASSWORD)
REACHES_A_QUERY: list[R] = [
    ("anyone", "POST", "/register", {"json": {"username": "HOSTILE", "password": PASSWORD}}),
    ("anyone", "POST", "/register", {"json": {"username": "bob", "password": PASSWORD, "email": "HOSTILE"}}),
    (
        "anyone",
        "POST",
        "/register",
        {"json": {"username": "bob", "password": PASSWORD, "full_name": "HOSTILE"}},
    ),
    ("anyone", "POST", "/register/form", {"data": {"username": "HOSTILE", "password": PASSWORD}}),
    (
        "anyone",
        "POST",
        "/register/form",
        {"data": {"username": "bob", "password": PASSWORD, "email": "HOSTILE"}},
    ),
    ("anyone", "POST", "/forgot-password", {"json": {"email": "HOSTILE"}}),
    ("anyone", "POST", "/forgot-password/form", {"data": {"email": "HOSTILE"}}),
    ("anyone", "POST", "/verify-email", {"json": {"token": "HOSTILE"}}),
    ("anyone", "POST", "/verify-email/form", {"data": {"token": "HOSTILE"}}),
    ("anyone", "GET", "/verify-email?token=HOSTILE", {}),
    ("anyone", "POST", "/reset-password", {"json": {"token": "HOSTILE", "new_password": PASSWORD}}),
    ("anyone", "POST", "/reset-password/form", {"data": {"token": "HOSTILE", "new_password": PASSWORD}}),
    ("anyone", "GET", "/reset-password?token=HOSTILE", {}),
    ("anyone", "GET", "/login?login_hint=HOSTILE&next=HOSTILE", {}),
    ("anyone", "POST", "/token", {"data": {"username": "HOSTILE", "password": PASSWORD}}),
    (
        "anyone",
        "POST",
        "/token",
        {"data": {"username": "alice", "password": PASSWORD, "client_id": "HOSTILE"}},
    ),
    ("anyone", "POST", "/token", {"data": {"grant_type": "client_credentials", "client_id": "HOSTILE"}}),
    ("anyone", "POST", "/token", {"data": {"grant_type": "authorization_code", "code": "HOSTILE"}}),
    ("anyone", "POST", "/token", {"data": {"grant_type": "mfa_otp", "mfa_token": "HOSTILE", "otp": "1"}}),
    ("anyone", "POST", "/token", {"data": {"grant_type": "passkey", "challenge_id": "HOSTILE"}}),
    ("anyone", "POST", "/token/introspect", {"data": {"token": "x", "client_id": "HOSTILE"}}),
    ("anyone", "POST", "/userinfo", {"data": {"access_token": "HOSTILE"}}),
    ("anyone", "GET", "/authorize?response_type=code&scope=openid&client_id=HOSTILE", {}),
    ("anyone", "GET", "/authorize?response_type=code&client_id=x&redirect_uri=HOSTILE", {}),
    ("anyone", "GET", "/end-session?client_id=HOSTILE", {}),
    ("anyone", "POST", "/end-session", {"data": {"client_id": "HOSTILE"}}),
    ("anyone", "POST", "/login/HOSTILE", {"data": {"next": "/"}}),
    ("anyone", "POST", "/login/corp", {"data": {"next": "HOSTILE"}}),
    ("anyone", "GET", "/login/HOSTILE/callback?state=x&code=x", {}),
    ("user", "PATCH", "/user/me", {"json": {"email": "HOSTILE"}}),
    ("user", "DELETE", "/user/me/consents/HOSTILE", {}),
    ("user", "DELETE", "/user/me/identities/HOSTILE", {}),
    ("user", "POST", "/user/me/passkeys", {"json": {"credential": {}, "name": "HOSTILE"}}),
    ("user", "PATCH", f"/user/me/passkeys/{uuid.UUID(int=0)}", {"json": {"name": "HOSTILE"}}),
    ("user", "POST", "/user/me/mfa/totp/confirm", {"json": {"code": "HOSTILE"}}),
    ("admin", "GET", "/clients/HOSTILE", {}),
    ("admin", "PATCH", "/clients/HOSTILE", {"json": {"name": "x"}}),
    ("admin", "DELETE", "/clients/HOSTILE", {}),
    ("admin", "POST", "/clients/HOSTILE/secret", {}),
    (
        "admin",
        "POST",
        "/clients",
        {"json": {"name": "HOSTILE", "grant_types": ["client_credentials"], "scopes": []}},
    ),
    (
        "admin",
        "POST",
        "/clients",
        {
            "json": {
                "name": "x",
                "grant_types": ["authorization_code"],
                "scopes": [],
                "redirect_uris": ["https://app.example/HOSTILE"],
            }
        },
    ),
    ("admin", "DELETE", "/identity-providers/HOSTILE", {}),
    (
        "admin",
        "POST",
        "/identity-providers",
        {"json": {"name": "HOSTILE", "display_name": "x", "issuer": "https://127.0.0.1:1", "client_id": "x"}},
    ),
    (
        "admin",
        "POST",
        "/identity-providers",
        {
            "json": {
                "name": "corp",
                "display_name": "HOSTILE",
                "issuer": "https://127.0.0.1:1",
                "client_id": "HOSTILE",
            }
        },
    ),
    ("admin", "PATCH", "/users/1", {"json": {"email": "HOSTILE"}}),
    ("admin", "PATCH", "/users/1", {"json": {"full_name": "HOSTILE"}}),
    ("admin", "POST", "/roles", {"json": {"name": "HOSTILE"}}),
    ("admin", "POST", "/roles", {"json": {"name": "support", "description": "HOSTILE"}}),
    ("admin", "DELETE", "/roles/HOSTILE", {}),
    ("admin", "POST", "/groups", {"json": {"name": "HOSTILE"}}),
    ("admin", "POST", "/groups", {"json": {"name": "helpdesk", "roles": ["HOSTILE"]}}),
    ("admin", "GET", "/groups/HOSTILE", {}),
    ("admin", "PUT", "/groups/HOSTILE/roles/HOSTILE", {}),
    ("admin", "DELETE", "/groups/HOSTILE/members/1", {}),
    ("admin", "PUT", "/users/1/roles/HOSTILE", {}),
    ("admin", "PATCH", "/clients/HOSTILE", {"json": {"allowed_roles": ["HOSTILE"]}}),
]


def _with(value: str, template: Any) -> Any:
    if isinstance(template, str):
        return template.replace("HOSTILE", value)
    if isinstance(template, dict):
        return {key: _with(value, item) for key, item in template.items()}
    if isinstance(template, list):
        return [_with(value, item) for item in template]
    return template


async def _credentials(client: httpx.AsyncClient, who: str) -> dict[str, str]:
    if who == "user":
        return bearer(await token_for(client))
    if who == "admin":
        return bearer(await admin_token(client))
    return {}


@pytest.mark.parametrize("value", [NUL, LONG], ids=["nul", "overlong"])
@pytest.mark.parametrize(("who", "method", "url", "sent"), REACHES_A_QUERY)
async def test_hostile_strings_wherever_they_may_reach_a_query_are_4xx(
    client: httpx.AsyncClient, value: str, who: str, method: str, url: str, sent: dict[str, Any]
) -> None:
    headers = await _credentials(client, who)
    path = url.replace("HOSTILE", quote(value, safe=""))
    response = await client.request(method, path, headers=headers, **_with(value, sent))
    assert 400 <= response.status_code < 500, f"{response.status_code} {response.text[:80]!r}"


ON_ACCOUNT_PAGES: list[tuple[str, dict[str, str]]] = [
    ("/account/profile", {"email": "HOSTILE", "full_name": "HOSTILE"}),
    (f"/account/passkeys/{uuid.UUID(int=0)}/rename", {"name": "HOSTILE"}),
    ("/account/identities/HOSTILE/unlink", {}),
    ("/account/apps/HOSTILE/forget", {}),
    ("/account/mfa/confirm", {"code": "HOSTILE"}),
]


@pytest.mark.parametrize("value", [NUL, LONG], ids=["nul", "overlong"])
@pytest.mark.parametrize(("url", "form"), ON_ACCOUNT_PAGES)
async def test_hostile_strings_in_the_account_pages_forms_are_4xx(
    settings: Settings, value: str, url: str, form: dict[str, str]
) -> None:
    async with browser_client(settings) as client:
        assert (await register(client)).status_code == 201
        assert (await browser_login(client)).status_code == 303
        csrf = csrf_of((await client.get("/account")).text)
        path = url.replace("HOSTILE", quote(value, safe=""))
        sent = {"csrf_token": csrf, **_with(value, form)}
        response = await client.post(path, data=sent, headers=BROWSER)
    assert 400 <= response.status_code < 500, f"{response.status_code} {response.text[:80]!r}"


@pytest.mark.parametrize("client_id", [NUL, LONG], ids=["nul", "overlong"])
async def test_hostile_client_ids_in_basic_authentication_are_invalid_client(
    client: httpx.AsyncClient, client_id: str
) -> None:
    basic = base64.b64encode(f"{quote(client_id)}:secret".encode()).decode()
    response = await client.post(
        "/token", data={"grant_type": "client_credentials"}, headers={"authorization": f"Basic {basic}"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "issuer", ["https://\x1cexample.com", "http://\U0003c920.example", "http://:q", "https://"]
)
async def test_issuers_that_are_no_url_are_422_before_any_outbound_call(
    client: httpx.AsyncClient, issuer: str
) -> None:
    provider = {"name": "corp", "display_name": "Corp", "issuer": issuer, "client_id": "x"}
    response = await client.post(
        "/identity-providers", json=provider, headers=bearer(await admin_token(client))
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "issuer"]
