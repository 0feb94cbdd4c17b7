"""POST /{TOKEN_URL}/introspect (RFC 7662): what a token grants while it works, `{"active": false}` after."""

import base64
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from jose import jwt

from api.core.jwk import hmac_key_set
from api.core.jwt import TokenCodec

from .conftest import (
    PASSWORD,
    SECRET,
    admin_token,
    bearer,
    logged_in,
    login,
    make_settings,
    refresh,
    register,
    serve,
)

INTROSPECT = "/token/introspect"
INACTIVE = {"active": False}
INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed",
    "detail": "Client authentication failed",
}


def basic(client_id: str, secret: str) -> dict[str, str]:
    """client_secret_basic: the id and secret form-urlencoded, then joined and base64-encoded."""
    joined = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return {"Authorization": f"Basic {base64.b64encode(joined).decode()}"}


async def make_client(
    client: httpx.AsyncClient, admin: str, scopes: list[str] | None = None
) -> dict[str, str]:
    """Register a client_credentials client as this admin: its `client_id` and `client_secret`."""
    response = await client.post(
        "/clients",
        json={"name": "rs", "grant_types": ["client_credentials"], "scopes": scopes or []},
        headers=bearer(admin),
    )
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


async def resource_server(client: httpx.AsyncClient) -> dict[str, str]:
    """Basic auth headers of a freshly registered client, made by a fresh admin."""
    registered = await make_client(client, await admin_token(client, "rsadmin"))
    return basic(registered["client_id"], registered["client_secret"])


async def introspect(
    client: httpx.AsyncClient, auth: dict[str, str], token: str, **form: str
) -> httpx.Response:
    """POST the token to the introspection endpoint with this client authentication."""
    return await client.post(INTROSPECT, data={"token": token, **form}, headers=auth)


async def assert_inactive(client: httpx.AsyncClient, auth: dict[str, str], token: str) -> None:
    response = await introspect(client, auth, token)
    assert response.status_code == 200, response.text
    assert response.json() == INACTIVE
    assert response.headers["cache-control"] == "no-store"


async def active_answer(client: httpx.AsyncClient, auth: dict[str, str], token: str) -> dict[str, Any]:
    response = await introspect(client, auth, token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["active"] is True, body
    return body


def user_id_of(token: str) -> int:
    return int(jwt.get_unverified_claims(token)["sub"])


def reissue(codec: TokenCodec, user_id: int, session_id: str, lifetime_seconds: int = 60) -> str:
    """An access token for this user and live session, made by another codec."""
    return codec.issue_access_token(
        user_id=user_id, session_id=session_id, scopes=["profile"], lifetime_seconds=lifetime_seconds
    )


# --- client authentication ---


async def test_no_client_authentication_is_401_invalid_client(client: httpx.AsyncClient) -> None:
    await resource_server(client)
    response = await client.post(INTROSPECT, data={"token": "not-a-token"})
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"
    assert response.headers["cache-control"] == "no-store"


async def test_wrong_client_secret_is_401_invalid_client(client: httpx.AsyncClient) -> None:
    registered = await make_client(client, await admin_token(client))
    response = await introspect(client, basic(registered["client_id"], "not-the-secret"), "not-a-token")
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


async def test_wrong_client_secret_in_the_form_is_401_invalid_client(client: httpx.AsyncClient) -> None:
    registered = await make_client(client, await admin_token(client))
    form = {"token": "not-a-token", "client_id": registered["client_id"], "client_secret": "not-the-secret"}
    response = await client.post(INTROSPECT, data=form)
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


async def test_unknown_client_is_401_invalid_client(client: httpx.AsyncClient) -> None:
    response = await introspect(client, basic("nobody", "whatever-secret"), "not-a-token")
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


async def test_user_bearer_token_is_not_client_authentication(client: httpx.AsyncClient) -> None:
    token = (await logged_in(client, "alice"))["access_token"]
    response = await introspect(client, bearer(token), token)
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT
    assert response.headers["www-authenticate"] == "Basic"


async def test_client_secret_post_authenticates_too(client: httpx.AsyncClient) -> None:
    registered = await make_client(client, await admin_token(client))
    token = (await logged_in(client, "alice"))["access_token"]
    form = {"token": token, **{key: registered[key] for key in ("client_id", "client_secret")}}
    response = await client.post(INTROSPECT, data=form)
    assert response.status_code == 200
    assert response.json()["active"] is True
    assert response.json()["username"] == "alice"


async def test_missing_token_is_400_invalid_request(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    for form in ({}, {"token": ""}):
        response = await client.post(INTROSPECT, data=form, headers=auth)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
        assert response.json()["detail"] == response.json()["error_description"]
        assert response.headers["cache-control"] == "no-store"


# --- working tokens ---


async def test_access_token_is_active_with_its_user_and_session(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    user_id = (await register(client, "alice")).json()["id"]
    token = (await login(client, "alice")).json()["access_token"]
    claims = jwt.get_unverified_claims(token)
    response = await introspect(client, auth, token)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "active": True,
        "scope": "profile",
        "username": "alice",
        "sub": str(user_id),
        "exp": claims["exp"],
        "iat": claims["iat"],
        "token_type": "Bearer",
        "sid": claims["sid"],
    }
    assert isinstance(response.json()["exp"], int) and isinstance(response.json()["iat"], int)


async def test_token_type_hint_changes_nothing(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    token = (await logged_in(client, "alice"))["access_token"]
    plain = await active_answer(client, auth, token)
    for hint in ("access_token", "refresh_token", "something-else"):
        response = await introspect(client, auth, token, token_type_hint=hint)
        assert response.status_code == 200
        assert response.json() == plain


async def test_refresh_token_is_active_as_a_refresh_token(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    user_id = (await register(client, "alice")).json()["id"]
    tokens = (await login(client, "alice")).json()
    sid = jwt.get_unverified_claims(tokens["access_token"])["sid"]
    before = int(time.time())
    response = await introspect(client, auth, tokens["refresh_token"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"active", "scope", "username", "sub", "exp", "iat", "token_type", "sid"}
    assert body["active"] is True
    assert body["scope"] == "profile"
    assert body["username"] == "alice"
    assert body["sub"] == str(user_id)
    assert body["token_type"] == "refresh_token"
    assert body["sid"] == sid
    assert isinstance(body["exp"], int) and isinstance(body["iat"], int)
    assert body["exp"] - body["iat"] == 14 * 24 * 3600
    assert before - 5 <= body["iat"] <= int(time.time()) + 5


async def test_client_token_is_active_with_its_client_id(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, api_scopes="billing:read")) as (_, client):
        admin = await admin_token(client)
        registered = await make_client(client, admin, scopes=["billing:read"])
        auth = basic(registered["client_id"], registered["client_secret"])
        issued = await client.post("/token", data={"grant_type": "client_credentials"}, headers=auth)
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]
        claims = jwt.get_unverified_claims(token)
        response = await introspect(client, auth, token)
        assert response.status_code == 200
        assert response.json() == {
            "active": True,
            "scope": "billing:read",
            "client_id": registered["client_id"],
            "sub": registered["client_id"],
            "exp": claims["exp"],
            "iat": claims["iat"],
            "token_type": "Bearer",
        }


async def test_issuer_and_audience_appear_when_configured(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, jwt_issuer="https://auth.example", jwt_audience="example-api")
    async with serve(settings) as (_, client):
        auth = await resource_server(client)
        tokens = await logged_in(client, "alice")
        body = await active_answer(client, auth, tokens["access_token"])
        assert body["iss"] == "https://auth.example"
        assert body["aud"] == "example-api"
        assert body["username"] == "alice"
        refreshed = await active_answer(client, auth, tokens["refresh_token"])
        assert refreshed["iss"] == "https://auth.example"
        assert refreshed["aud"] == "example-api"
        assert refreshed["token_type"] == "refresh_token"


async def test_admin_token_is_active_with_the_admin_scope(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    token = await admin_token(client, "root")
    body = await active_answer(client, auth, token)
    assert body["scope"] == "admin profile"
    assert body["username"] == "root"


async def test_rs256_tokens_introspect_the_same(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, jwt_algorithm="RS256")) as (_, client):
        auth = await resource_server(client)
        user_id = (await register(client, "alice")).json()["id"]
        tokens = (await login(client, "alice")).json()
        assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "RS256"
        claims = jwt.get_unverified_claims(tokens["access_token"])
        response = await introspect(client, auth, tokens["access_token"])
        assert response.status_code == 200
        assert response.json() == {
            "active": True,
            "scope": "profile",
            "username": "alice",
            "sub": str(user_id),
            "exp": claims["exp"],
            "iat": claims["iat"],
            "token_type": "Bearer",
            "sid": claims["sid"],
        }
        hs256 = TokenCodec(keys=hmac_key_set(SECRET), issuer=None, audience=None)
        await assert_inactive(client, auth, reissue(hs256, user_id, claims["sid"]))
        assert (await client.post("/logout", headers=bearer(tokens["access_token"]))).status_code == 204
        await assert_inactive(client, auth, tokens["access_token"])


# --- tokens that do not work ---


@pytest.mark.parametrize("token", ["not-a-token", " ", "a.b.c", "..", "=", "Bearer"])
async def test_garbage_is_inactive(client: httpx.AsyncClient, token: str) -> None:
    await assert_inactive(client, await resource_server(client), token)


async def test_token_signed_with_another_key_is_inactive(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    token = (await logged_in(client, "alice"))["access_token"]
    sid = (await active_answer(client, auth, token))["sid"]
    other = TokenCodec(keys=hmac_key_set("another-key-" + "x" * 32), issuer=None, audience=None)
    await assert_inactive(client, auth, reissue(other, user_id_of(token), sid))


async def test_expired_access_token_is_inactive(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    token = (await logged_in(client, "alice"))["access_token"]
    sid = (await active_answer(client, auth, token))["sid"]
    genuine = TokenCodec(keys=hmac_key_set(SECRET), issuer=None, audience=None)
    # the same codec, at the real time, makes a token that works: only the expiry differs
    assert (await active_answer(client, auth, reissue(genuine, user_id_of(token), sid)))["sid"] == sid
    past = TokenCodec(keys=hmac_key_set(SECRET), issuer=None, audience=None, clock=lambda: time.time() - 7200)
    await assert_inactive(client, auth, reissue(past, user_id_of(token), sid))


async def test_access_token_after_logout_is_inactive(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    tokens = await logged_in(client, "alice")
    await active_answer(client, auth, tokens["access_token"])
    assert (await client.post("/logout", headers=bearer(tokens["access_token"]))).status_code == 204
    await assert_inactive(client, auth, tokens["access_token"])
    await assert_inactive(client, auth, tokens["refresh_token"])


async def test_access_token_after_revocation_is_inactive(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    tokens = await logged_in(client, "alice")
    await active_answer(client, auth, tokens["access_token"])
    revoked = await client.post("/token/revoke", data={"token": tokens["access_token"]})
    assert revoked.status_code == 200
    await assert_inactive(client, auth, tokens["access_token"])


async def test_revoked_refresh_token_is_inactive(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    tokens = await logged_in(client, "alice")
    await active_answer(client, auth, tokens["refresh_token"])
    revoked = await client.post(
        "/token/revoke", data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    )
    assert revoked.status_code == 200
    await assert_inactive(client, auth, tokens["refresh_token"])
    # the whole session ends
    await assert_inactive(client, auth, tokens["access_token"])


async def test_access_token_after_password_change_is_inactive(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    tokens = await logged_in(client, "alice")
    await active_answer(client, auth, tokens["access_token"])
    changed = await client.post(
        "/user/me/password",
        json={"current_password": PASSWORD, "new_password": "another-Staircase-43"},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 204, changed.text
    await assert_inactive(client, auth, tokens["access_token"])
    await assert_inactive(client, auth, tokens["refresh_token"])


async def test_rotated_refresh_token_is_inactive(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    tokens = await logged_in(client, "alice")
    rotated = await refresh(client, tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    await assert_inactive(client, auth, tokens["refresh_token"])
    fresh = await active_answer(client, auth, rotated.json()["refresh_token"])
    assert fresh["token_type"] == "refresh_token"
    assert fresh["username"] == "alice"


async def test_tokens_of_a_disabled_user_are_inactive(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    admin = await admin_token(client, "root")
    user_id = (await register(client, "alice")).json()["id"]
    tokens = (await login(client, "alice")).json()
    await active_answer(client, auth, tokens["access_token"])
    disabled = await client.patch(f"/users/{user_id}", json={"disabled": True}, headers=bearer(admin))
    assert disabled.status_code == 200, disabled.text
    await assert_inactive(client, auth, tokens["access_token"])
    await assert_inactive(client, auth, tokens["refresh_token"])


async def test_tokens_of_a_deleted_user_are_inactive(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    admin = await admin_token(client, "root")
    user_id = (await register(client, "alice")).json()["id"]
    tokens = (await login(client, "alice")).json()
    await active_answer(client, auth, tokens["access_token"])
    deleted = await client.delete(f"/users/{user_id}", headers=bearer(admin))
    assert deleted.status_code == 204, deleted.text
    await assert_inactive(client, auth, tokens["access_token"])
    await assert_inactive(client, auth, tokens["refresh_token"])


async def test_client_token_after_its_client_is_deleted_is_inactive(client: httpx.AsyncClient) -> None:
    admin = await admin_token(client, "root")
    auth = await resource_server(client)
    doomed = await make_client(client, admin)
    issued = await client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers=basic(doomed["client_id"], doomed["client_secret"]),
    )
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    assert (await active_answer(client, auth, token))["client_id"] == doomed["client_id"]
    deleted = await client.delete(f"/clients/{doomed['client_id']}", headers=bearer(admin))
    assert deleted.status_code == 204, deleted.text
    await assert_inactive(client, auth, token)


async def test_demoted_admin_token_holds_only_the_profile_scope(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    demoted = await admin_token(client, "first")
    other = await admin_token(client, "second")
    assert (await active_answer(client, auth, demoted))["scope"] == "admin profile"
    first_id = user_id_of(demoted)
    changed = await client.patch(f"/users/{first_id}", json={"is_admin": False}, headers=bearer(other))
    assert changed.status_code == 200, changed.text
    body = await active_answer(client, auth, demoted)
    assert body["scope"] == "profile"
    assert body["username"] == "first"
    assert body["sub"] == str(first_id)


async def test_every_call_reads_the_database(client: httpx.AsyncClient) -> None:
    auth = await resource_server(client)
    tokens = await logged_in(client, "alice")
    for _ in range(3):
        await active_answer(client, auth, tokens["access_token"])
    assert (await client.post("/logout", headers=bearer(tokens["access_token"]))).status_code == 204
    for _ in range(3):
        await assert_inactive(client, auth, tokens["access_token"])


async def test_client_token_after_revocation_is_inactive(client: httpx.AsyncClient) -> None:
    registered = await make_client(client, await admin_token(client, "root"))
    auth = basic(registered["client_id"], registered["client_secret"])
    issued = await client.post("/token", data={"grant_type": "client_credentials"}, headers=auth)
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    await active_answer(client, auth, token)
    revoked = await client.post("/token/revoke", data={"token": token}, headers=auth)
    assert revoked.status_code == 200
    await assert_inactive(client, auth, token)
