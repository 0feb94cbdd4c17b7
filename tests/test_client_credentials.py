"""Client authentication at the token endpoint, the client_credentials grant, and what a client's own token
may do (no user's routes, revocation, introspection); the password grant beside registered clients."""

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest

from .clients import (
    API_SCOPES,
    INTROSPECTION_FIELDS,
    INVALID_CLIENT,
    NOT_ENOUGH_PERMISSIONS,
    NOT_VALIDATED,
    Admin,
    admin_session,
    basic,
    client_token,
    introspect,
    percent_encoded,
)
from .conftest import PASSWORD, admin_token, bearer, login, make_settings, register, serve


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[Admin]:
    """The app with API_SCOPES billing:read and billing:write, and an administrator signed in."""
    async with admin_session(tmp_path) as session:
        yield session


# --- client authentication and the client_credentials grant ---


async def test_client_credentials_with_basic_gives_a_jwt_for_the_client_and_no_refresh_token(
    admin: Admin,
) -> None:
    registered = await admin.create()
    response = await admin.client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers=basic(registered.client_id, registered.secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    assert body["scope"] == "billing:read billing:write"
    assert response.headers["cache-control"] == "no-store"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == registered.client_id
    assert claims["client_id"] == registered.client_id
    assert claims["scope"] == "billing:read billing:write"
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert jwt.get_unverified_header(body["access_token"])["kid"]


async def test_client_credentials_with_client_secret_post_works(admin: Admin) -> None:
    registered = await admin.create()
    response = await admin.client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": registered.client_id,
            "client_secret": registered.secret,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body
    assert body["scope"] == "billing:read billing:write"
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["sub"] == (
        registered.client_id
    )


async def test_basic_credentials_fully_percent_encoded_still_authenticate(admin: Admin) -> None:
    registered = await admin.create()
    response = await admin.client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers=basic(percent_encoded(registered.client_id), percent_encoded(registered.secret)),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "billing:read billing:write"
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["client_id"] == (
        registered.client_id
    )


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_wrong_client_secret_is_401_invalid_client_with_basic_challenge(
    admin: Admin, method: str
) -> None:
    registered = await admin.create()
    form = {"grant_type": "client_credentials"}
    headers: dict[str, str] = {}
    if method == "client_secret_basic":
        headers = basic(registered.client_id, registered.secret + "x")
    else:
        form |= {"client_id": registered.client_id, "client_secret": registered.secret + "x"}
    response = await admin.client.post("/token", data=form, headers=headers)
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


async def test_unknown_client_is_401_invalid_client_like_a_wrong_secret(admin: Admin) -> None:
    response = await admin.client.post(
        "/token", data={"grant_type": "client_credentials"}, headers=basic("nobody", "whatever")
    )
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


@pytest.mark.parametrize("credentials", ["not base64!", base64.b64encode(b"\xff\xfe:x").decode()])
async def test_a_malformed_basic_header_is_401_invalid_client(admin: Admin, credentials: str) -> None:
    response = await admin.client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


async def test_client_credentials_without_client_authentication_is_401_invalid_client(
    admin: Admin,
) -> None:
    response = await admin.client.post("/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


async def test_basic_and_form_credentials_together_are_400_invalid_request(admin: Admin) -> None:
    registered = await admin.create()
    response = await admin.client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": registered.client_id,
            "client_secret": registered.secret,
        },
        headers=basic(registered.client_id, registered.secret),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["detail"] == body["error_description"]


async def test_asking_for_some_of_the_clients_scopes_grants_only_those(admin: Admin) -> None:
    registered = await admin.create()
    body = await client_token(admin.client, registered, scope="billing:read")
    assert body["scope"] == "billing:read"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["scope"] == "billing:read"


@pytest.mark.parametrize("scope", ["billing:read admin", "profile", "launch-missiles"])
async def test_a_scope_beyond_the_clients_is_400_invalid_scope(admin: Admin, scope: str) -> None:
    registered = await admin.create(scopes=("billing:read",))
    response = await admin.client.post(
        "/token",
        data={"grant_type": "client_credentials", "scope": scope},
        headers=basic(registered.client_id, registered.secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert "access_token" not in response.json()


async def test_a_client_not_registered_for_client_credentials_is_400_unauthorized_client(
    admin: Admin,
) -> None:
    registered = await admin.create(grant_types=("password",), scopes=("profile",))
    response = await admin.client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers=basic(registered.client_id, registered.secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert "access_token" not in response.json()


# --- what a client's token may do ---


@pytest.mark.parametrize("me_fast_path", [True, False])
async def test_a_client_token_is_no_user_on_user_me(tmp_path: Path, me_fast_path: bool) -> None:
    settings = make_settings(tmp_path, api_scopes=API_SCOPES)
    async with serve(settings, me_fast_path=me_fast_path) as (_, client):
        registered = await Admin(client, bearer(await admin_token(client))).create(
            scopes=("profile", "billing:read")
        )
        token = (await client_token(client, registered))["access_token"]
        for path in ("/user/me", "/users/me"):
            response = await client.get(path, headers=bearer(token))
            assert response.status_code == 403, path
            assert response.json() == NOT_ENOUGH_PERMISSIONS


async def test_a_client_token_with_admin_scope_cannot_administer(client: httpx.AsyncClient) -> None:
    registered = await Admin(client, bearer(await admin_token(client))).create(scopes=("admin",))
    token = (await client_token(client, registered))["access_token"]
    for path in ("/users", "/clients"):
        response = await client.get(path, headers=bearer(token))
        assert response.status_code == 403, path
        assert response.json() == NOT_ENOUGH_PERMISSIONS


async def test_deleting_a_client_ends_its_tokens(admin: Admin) -> None:
    registered = await admin.create()
    token = (await client_token(admin.client, registered))["access_token"]
    assert (await admin.client.get("/user/me", headers=bearer(token))).status_code == 403
    deleted = await admin.client.delete(f"/clients/{registered.client_id}", headers=admin.headers)
    assert deleted.status_code == 204
    response = await admin.client.get("/user/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == NOT_VALIDATED


async def test_revoking_a_client_token_ends_it(admin: Admin) -> None:
    registered = await admin.create()
    token = (await client_token(admin.client, registered))["access_token"]
    revoked = await admin.client.post("/token/revoke", data={"token": token})
    assert revoked.status_code == 200 and revoked.content == b""
    response = await admin.client.get("/user/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == NOT_VALIDATED
    inactive = await introspect(admin.client, registered, token)
    assert inactive.status_code == 200 and inactive.json() == {"active": False}
    # the client itself still works: a new token
    assert (await client_token(admin.client, registered))["scope"] == "billing:read billing:write"


async def test_introspecting_a_client_token_answers_its_claims(admin: Admin) -> None:
    registered = await admin.create()
    token = (await client_token(admin.client, registered))["access_token"]
    response = await introspect(admin.client, registered, token)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == INTROSPECTION_FIELDS
    claims = jwt.decode(token, options={"verify_signature": False})
    assert body == {
        "active": True,
        "scope": "billing:read billing:write",
        "client_id": registered.client_id,
        "sub": registered.client_id,
        "exp": claims["exp"],
        "iat": claims["iat"],
        "token_type": "Bearer",
    }


async def test_narrowing_a_clients_scopes_narrows_its_earlier_tokens(admin: Admin) -> None:
    registered = await admin.create()
    caller = await admin.create(name="resource server", scopes=("profile",))
    token = (await client_token(admin.client, registered))["access_token"]
    patched = await admin.client.patch(
        f"/clients/{registered.client_id}", json={"scopes": ["billing:read"]}, headers=admin.headers
    )
    assert patched.status_code == 200 and patched.json()["scopes"] == ["billing:read"]
    response = await introspect(admin.client, caller, token)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == INTROSPECTION_FIELDS
    assert body["active"] is True
    assert body["scope"] == "billing:read"
    assert body["client_id"] == body["sub"] == registered.client_id


async def test_introspecting_a_deleted_clients_token_is_inactive(admin: Admin) -> None:
    registered = await admin.create()
    caller = await admin.create(name="resource server", scopes=("profile",))
    token = (await client_token(admin.client, registered))["access_token"]
    assert (
        await admin.client.delete(f"/clients/{registered.client_id}", headers=admin.headers)
    ).status_code == 204
    response = await introspect(admin.client, caller, token)
    assert response.status_code == 200
    assert response.json() == {"active": False}


@pytest.mark.parametrize("secret", [None, "wrong"])
async def test_introspection_without_valid_client_authentication_is_401_invalid_client(
    admin: Admin, secret: str | None
) -> None:
    registered = await admin.create()
    token = (await client_token(admin.client, registered))["access_token"]
    headers = {} if secret is None else basic(registered.client_id, secret)
    response = await admin.client.post("/token/introspect", data={"token": token}, headers=headers)
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


# --- the password grant beside registered clients ---


async def test_password_grant_without_client_credentials_works_as_before(admin: Admin) -> None:
    await admin.create()
    assert (await register(admin.client, "alice")).status_code == 201
    response = await login(admin.client, "alice")
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "profile" and body["token_type"] == "bearer"
    assert isinstance(body["refresh_token"], str)
    assert (await admin.client.get("/user/me", headers=bearer(body["access_token"]))).status_code == 200


async def test_password_grant_with_a_registered_clients_credentials_works(admin: Admin) -> None:
    registered = await admin.create(grant_types=("password", "refresh_token"), scopes=("profile",))
    assert (await register(admin.client, "alice")).status_code == 201
    response = await login(
        admin.client, "alice", client_id=registered.client_id, client_secret=registered.secret
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "profile"
    assert isinstance(response.json()["refresh_token"], str)


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_password_grant_with_a_clients_wrong_secret_is_401_invalid_client(
    admin: Admin, method: str
) -> None:
    registered = await admin.create(grant_types=("password",), scopes=("profile",))
    assert (await register(admin.client, "alice")).status_code == 201
    if method == "client_secret_basic":
        response = await admin.client.post(
            "/token",
            data={"username": "alice", "password": PASSWORD},
            headers=basic(registered.client_id, "wrong"),
        )
    else:
        response = await login(admin.client, "alice", client_id=registered.client_id, client_secret="wrong")
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


async def test_password_grant_for_a_client_not_registered_for_it_is_400_unauthorized_client(
    admin: Admin,
) -> None:
    registered = await admin.create()
    assert (await register(admin.client, "alice")).status_code == 201
    response = await login(
        admin.client, "alice", client_id=registered.client_id, client_secret=registered.secret
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert "access_token" not in response.json()
