"""Administration under the `admin` scope, and the RFC 8414 metadata."""

from pathlib import Path

import httpx

from api.db.models import User

from .conftest import admin_token, bearer, direct_writes, login, make_settings, register, serve

INSUFFICIENT_ADMIN = 'Bearer error="insufficient_scope", scope="admin"'


async def user_id(username: str) -> int:
    return (await User.get(username_key=username)).id


async def test_list_users_pages_in_id_order_with_the_total(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    for name in ("bob", "carol", "dave"):
        await register(client, name)
    response = await client.get("/users", params={"limit": 2, "offset": 1}, headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4
    assert [user["username"] for user in body["items"]] == ["bob", "carol"]
    assert "password_hash" not in response.text


async def test_list_users_refuses_a_limit_over_200(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    assert (await client.get("/users", params={"limit": 201}, headers=bearer(token))).status_code == 422


async def test_plain_user_is_403_insufficient_scope(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    token = (await login(client, "alice")).json()["access_token"]
    response = await client.get("/users", headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == {"detail": "Not enough permissions"}
    assert response.headers["www-authenticate"] == INSUFFICIENT_ADMIN


async def test_admin_token_requested_with_profile_scope_is_403(client: httpx.AsyncClient) -> None:
    await admin_token(client)
    token = (await login(client, "root", scope="profile")).json()["access_token"]
    response = await client.get("/users", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["www-authenticate"] == INSUFFICIENT_ADMIN


async def test_read_user_by_id_and_404(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    await register(client, "bob")
    response = await client.get(f"/users/{await user_id('bob')}", headers=bearer(token))
    assert response.status_code == 200 and response.json()["username"] == "bob"
    missing = await client.get("/users/999999", headers=bearer(token))
    assert missing.status_code == 404 and missing.json() == {"detail": "User not found"}


async def test_users_me_is_still_the_callers_own_account(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    token = (await login(client, "alice")).json()["access_token"]
    response = await client.get("/users/me", headers=bearer(token))
    assert response.status_code == 200 and response.json()["username"] == "alice"


async def test_disabling_a_user_ends_their_tokens_and_logins(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    await register(client, "bob")
    bob = (await login(client, "bob")).json()
    response = await client.patch(
        f"/users/{await user_id('bob')}", json={"disabled": True}, headers=bearer(token)
    )
    assert response.status_code == 200 and response.json()["disabled"] is True
    assert (await client.get("/user/me", headers=bearer(bob["access_token"]))).status_code == 401
    refreshed = await client.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": bob["refresh_token"]}
    )
    assert refreshed.status_code == 400
    assert (await login(client, "bob")).json()["error"] == "invalid_grant"


async def test_admin_can_change_email_full_name_and_promote(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    await register(client, "bob")
    response = await client.patch(
        f"/users/{await user_id('bob')}",
        json={"email": "Bob@Example.com", "full_name": "Bob B.", "is_admin": True},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert response.json()["email"] == "bob@example.com"
    assert response.json()["is_admin"] is True
    assert (await login(client, "bob")).json()["scope"] == "admin profile"


async def test_patching_a_taken_email_is_409(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    await register(client, "bob", email="bob@example.com")
    await register(client, "carol")
    response = await client.patch(
        f"/users/{await user_id('carol')}", json={"email": "bob@example.com"}, headers=bearer(token)
    )
    assert response.status_code == 409


async def test_null_for_a_flag_is_422(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    response = await client.patch(
        f"/users/{await user_id('root')}", json={"disabled": None}, headers=bearer(token)
    )
    assert response.status_code == 422


async def test_the_last_admin_cannot_be_demoted_disabled_or_deleted(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    root = await user_id("root")
    for method, body in (("PATCH", {"is_admin": False}), ("PATCH", {"disabled": True}), ("DELETE", None)):
        response = await client.request(method, f"/users/{root}", json=body, headers=bearer(token))
        assert response.status_code == 409, method
        assert response.json() == {"detail": "Cannot remove the last admin"}
    assert (await User.get(id=root)).is_admin is True


async def test_a_demoted_admin_loses_the_admin_scope_at_once(client: httpx.AsyncClient) -> None:
    root = await admin_token(client, "root")
    other = await admin_token(client, "other")
    response = await client.patch(
        f"/users/{await user_id('other')}", json={"is_admin": False}, headers=bearer(root)
    )
    assert response.status_code == 200
    assert (await client.get("/users", headers=bearer(other))).status_code == 403
    assert (await client.get("/user/me", headers=bearer(other))).status_code == 200


async def test_deleting_a_user_is_204_then_404(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    await register(client, "bob")
    bob = (await login(client, "bob")).json()["access_token"]
    bob_id = await user_id("bob")
    assert (await client.delete(f"/users/{bob_id}", headers=bearer(token))).status_code == 204
    assert (await client.delete(f"/users/{bob_id}", headers=bearer(token))).status_code == 404
    assert (await client.get("/user/me", headers=bearer(bob))).status_code == 401


async def test_admin_endpoints_without_a_token_are_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users")).status_code == 401


async def test_metadata_names_the_endpoints_from_the_token_url_and_public_url_not_the_host(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, token_url="shild", public_url="https://auth.example.com")
    async with serve(settings) as (_, client):
        response = await client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    body = response.json()
    assert body["token_endpoint"] == "https://auth.example.com/shild"
    assert body["revocation_endpoint"] == "https://auth.example.com/shild/revoke"
    assert body["introspection_endpoint"] == "https://auth.example.com/shild/introspect"
    assert body["jwks_uri"] == "https://auth.example.com/.well-known/jwks.json"
    assert body["grant_types_supported"] == [
        "authorization_code",
        "refresh_token",
        "password",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code",
    ]
    assert body["device_authorization_endpoint"] == "https://auth.example.com/device_authorization"
    assert body["scopes_supported"] == ["admin", "email", "offline_access", "openid", "profile", "roles"]
    assert body["issuer"] == "https://auth.example.com"


async def test_an_address_an_admin_sets_is_unverified(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    await register(client, "bob", email="bob@example.com")
    async with direct_writes(client):
        await User.filter(username_key="bob").update(email_verified=True)
    url = f"/users/{await user_id('bob')}"
    kept = await client.patch(url, json={"full_name": "Bob B."}, headers=bearer(token))
    assert kept.json()["email_verified"] is True
    changed = await client.patch(url, json={"email": "robert@example.com"}, headers=bearer(token))
    assert (changed.json()["email"], changed.json()["email_verified"]) == ("robert@example.com", False)
