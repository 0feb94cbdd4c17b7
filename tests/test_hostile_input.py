"""Hostile input gets a clear 4xx, never a 500, and leaves nothing half-written."""

from collections.abc import AsyncIterator

import httpx
import pytest

from api.db.models import User

from .conftest import PASSWORD, bearer, direct_writes, login, register, token_for


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
