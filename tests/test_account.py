"""Your own account: profile changes, password change, deletion."""

import httpx

from api.db.models import RefreshToken, Session, User

from .conftest import PASSWORD, bearer, logged_in, login, register

NEW_PASSWORD = "quiet-Harbour-lights-7"


async def test_patch_me_changes_email_and_full_name(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client, email="old@example.com")
    response = await client.patch(
        "/user/me",
        json={"email": "New@Example.com", "full_name": "Alice L."},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 200
    assert response.json()["email"] == "new@example.com"
    assert response.json()["full_name"] == "Alice L."
    assert (await User.get(username_key="alice")).email == "new@example.com"


async def test_patch_me_leaves_fields_that_are_not_sent(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client, email="alice@example.com", full_name="Alice")
    response = await client.patch(
        "/user/me", json={"full_name": None}, headers=bearer(tokens["access_token"])
    )
    assert response.json()["email"] == "alice@example.com"
    assert response.json()["full_name"] is None


async def test_patch_me_with_a_taken_email_is_409(client: httpx.AsyncClient) -> None:
    await register(client, "bob", email="bob@example.com")
    tokens = await logged_in(client)
    response = await client.patch(
        "/user/me", json={"email": "bob@example.com"}, headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "Email already registered"}


async def test_patch_me_keeping_your_own_email_is_200(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client, email="alice@example.com")
    response = await client.patch(
        "/user/me", json={"email": "alice@example.com"}, headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 200


async def test_password_change_ends_every_session_including_other_clients(client: httpx.AsyncClient) -> None:
    phone = await logged_in(client)
    laptop = (await login(client)).json()
    response = await client.post(
        "/user/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(laptop["access_token"]),
    )
    assert response.status_code == 204
    for tokens in (phone, laptop):
        assert (await client.get("/user/me", headers=bearer(tokens["access_token"]))).status_code == 401
        refreshed = await client.post(
            "/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 400
    assert (await login(client, "alice", PASSWORD)).status_code == 400
    assert (await login(client, "alice", NEW_PASSWORD)).status_code == 200


async def test_password_change_with_a_wrong_current_password_is_400(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    response = await client.post(
        "/user/me/password",
        json={"current_password": "not-my-password", "new_password": NEW_PASSWORD},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Incorrect password"}
    assert (await client.get("/user/me", headers=bearer(tokens["access_token"]))).status_code == 200


async def test_password_change_against_the_policy_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    tokens = await logged_in(client)
    response = await client.post(
        "/user/me/password",
        json={"current_password": PASSWORD, "new_password": "password123"},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "new_password"]
    assert "password123" not in response.text
    assert (await login(client, "alice", PASSWORD)).status_code == 200


async def test_delete_me_removes_the_account_and_its_sessions(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    response = await client.request(
        "DELETE", "/user/me", json={"password": PASSWORD}, headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 204
    assert await User.all().count() == 0
    assert await Session.all().count() == 0 and await RefreshToken.all().count() == 0
    assert (await client.get("/user/me", headers=bearer(tokens["access_token"]))).status_code == 401
    assert (await login(client)).status_code == 400


async def test_delete_me_with_a_wrong_password_is_400(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    response = await client.request(
        "DELETE", "/user/me", json={"password": "not-my-password"}, headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 400
    assert await User.all().count() == 1
