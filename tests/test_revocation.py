"""Ending sessions: logout, RFC 7009 revocation, and the session list."""

import httpx
from jose import jwt

from .conftest import PASSWORD, bearer, logged_in, login, me_status, refresh


async def test_logout_ends_this_session_and_keeps_the_others(client: httpx.AsyncClient) -> None:
    phone = await logged_in(client)
    laptop = (await login(client)).json()
    response = await client.post("/logout", headers=bearer(phone["access_token"]))
    assert response.status_code == 204
    assert await me_status(client, phone["access_token"]) == 401
    assert (await refresh(client, phone["refresh_token"])).status_code == 400
    assert await me_status(client, laptop["access_token"]) == 200
    assert (await refresh(client, laptop["refresh_token"])).status_code == 200


async def test_logout_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.post("/logout")).status_code == 401


async def test_revoking_a_refresh_token_ends_its_session(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    response = await client.post(
        "/token/revoke", data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    )
    assert response.status_code == 200
    assert await me_status(client, tokens["access_token"]) == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 400


async def test_revoking_an_access_token_ends_its_session(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    assert (await client.post("/token/revoke", data={"token": tokens["access_token"]})).status_code == 200
    assert await me_status(client, tokens["access_token"]) == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 400


async def test_revoking_an_unknown_token_is_200(client: httpx.AsyncClient) -> None:
    response = await client.post("/token/revoke", data={"token": "never-issued"})
    assert response.status_code == 200


async def test_revocation_without_a_token_is_400_invalid_request(client: httpx.AsyncClient) -> None:
    response = await client.post("/token/revoke", data={})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_sessions_lists_active_sessions_with_client_details(client: httpx.AsyncClient) -> None:
    first = await logged_in(client, **{"User-Agent": "phone-browser/1.0"})
    second = (
        await client.post(
            "/token", data={"username": "alice", "password": PASSWORD}, headers={"User-Agent": "laptop/2.0"}
        )
    ).json()
    await client.post("/logout", headers=bearer(first["access_token"]))
    response = await client.get("/user/me/sessions", headers=bearer(second["access_token"]))
    assert response.status_code == 200
    [only] = response.json()
    assert set(only) == {"id", "created_at", "last_used_at", "user_agent", "ip"}
    assert only["user_agent"] == "laptop/2.0"
    assert only["id"] == jwt.get_unverified_claims(second["access_token"])["sid"]


async def test_deleting_a_session_ends_its_tokens(client: httpx.AsyncClient) -> None:
    phone = await logged_in(client)
    laptop = (await login(client)).json()
    phone_session = jwt.get_unverified_claims(phone["access_token"])["sid"]
    response = await client.delete(
        f"/user/me/sessions/{phone_session}", headers=bearer(laptop["access_token"])
    )
    assert response.status_code == 204
    assert await me_status(client, phone["access_token"]) == 401
    assert (await refresh(client, phone["refresh_token"])).status_code == 400
    assert await me_status(client, laptop["access_token"]) == 200


async def test_deleting_another_users_session_is_404(client: httpx.AsyncClient) -> None:
    alice = await logged_in(client, "alice")
    bob = await logged_in(client, "bob")
    alice_session = jwt.get_unverified_claims(alice["access_token"])["sid"]
    response = await client.delete(f"/user/me/sessions/{alice_session}", headers=bearer(bob["access_token"]))
    assert response.status_code == 404
    assert await me_status(client, alice["access_token"]) == 200


async def test_deleting_a_malformed_session_id_is_422(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    response = await client.delete("/user/me/sessions/not-a-uuid", headers=bearer(tokens["access_token"]))
    assert response.status_code == 422
