"""A token issued to an app is not the user: it reads `GET /user/me` and `/userinfo`, and manages nothing."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.db.models import User

from .clients import NOT_ENOUGH_PERMISSIONS, basic
from .conftest import PASSWORD, bearer, login
from .forms import ORIGIN
from .oidc import Pkce, code_for, exchange, provider

APP_TOKEN_REFUSED = {"detail": "Not allowed for an application's token"}
READERS = {("GET", "/user/me"), ("GET", "/users/me")}
# the family the contract names, which the walk must find (it finds whatever else the family grows)
NAMED = {
    ("PATCH", "/user/me"),
    ("POST", "/user/me/password"),
    ("DELETE", "/user/me"),
    ("GET", "/user/me/sessions"),
    ("GET", "/user/me/activity"),
    ("DELETE", "/user/me/sessions/{session_id}"),
    ("POST", "/user/me/mfa/totp"),
    ("GET", "/user/me/passkeys"),
    ("POST", "/user/me/passkeys"),
    ("DELETE", "/user/me/passkeys/{passkey_id}"),
    ("GET", "/user/me/identities"),
    ("DELETE", "/user/me/identities/{provider}"),
    ("GET", "/user/me/consents"),
    ("DELETE", "/user/me/consents/{client_id}"),
    ("POST", "/verify-email/resend"),
}


@dataclass(frozen=True)
class Tokens:
    """Alice's own access token, and the one an app received from her through the code flow."""

    own: str
    app: str
    app_client_id: str


@asynccontextmanager
async def alice_and_her_app(tmp_path: Path) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Tokens]]:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in("alice", email="alice@example.com")
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="openid profile email offline_access")
        issued = await exchange(p.client, app, fields["code"], pkce)
        assert issued.status_code == 200, issued.text
        p.client.cookies.clear()  # from here on only bearer tokens speak
        own = (await login(p.client, "alice")).json()["access_token"]
        yield p.app, p.client, Tokens(own=own, app=issued.json()["access_token"], app_client_id=app.client_id)


async def family(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """Every (method, path) of the `/user/me` family in the OpenAPI document, but the readers."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    found = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(("/user/me", "/users/me")) or path == "/verify-email/resend"
        for method in operations
    }
    return sorted(found - READERS)


async def call(client: httpx.AsyncClient, method: str, path: str, token: str) -> httpx.Response:
    concrete = path.format(session_id=uuid.uuid4(), passkey_id=uuid.uuid4(), provider="corp", client_id="app")
    body: dict[str, str] | None = {} if method in ("POST", "PATCH", "PUT", "DELETE") else None
    return await client.request(method, concrete, json=body, headers=bearer(token))


async def test_an_apps_token_is_refused_by_every_route_of_the_user_me_family(tmp_path: Path) -> None:
    async with alice_and_her_app(tmp_path) as (_, client, tokens):
        routes = await family(client)
        answers = {route: await call(client, *route, tokens.app) for route in routes}
        own = {route: await call(client, *route, tokens.own) for route in routes}
    assert set(routes) >= NAMED, NAMED - set(routes)
    for route, response in answers.items():
        assert response.status_code == 403, (route, response.text)
        assert response.json() == APP_TOKEN_REFUSED, route
        assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope"', route
    # the same requests with alice's own token pass the dependency (they fail later, if at all, on their body)
    assert all(response.json() != APP_TOKEN_REFUSED for response in own.values())


async def test_an_apps_token_cannot_change_the_users_address(tmp_path: Path) -> None:
    async with alice_and_her_app(tmp_path) as (_, client, tokens):
        response = await client.patch(
            "/user/me", json={"email": "attacker@app.example"}, headers=bearer(tokens.app)
        )
        alice = await User.get(username="alice")
    assert response.status_code == 403
    assert alice.email == "alice@example.com"


@pytest.mark.parametrize("path", ["/user/me", "/users/me"])
async def test_an_apps_token_still_reads_the_user_and_userinfo(tmp_path: Path, path: str) -> None:
    async with alice_and_her_app(tmp_path) as (_, client, tokens):
        me = await client.get(path, headers=bearer(tokens.app))
        again = await client.get(path, headers=bearer(tokens.app))  # the fast path's cached answer
        userinfo = await client.get("/userinfo", headers=bearer(tokens.app))
    assert me.status_code == again.status_code == 200
    assert me.json()["username"] == "alice" and again.content == me.content
    assert userinfo.status_code == 200 and userinfo.json()["email"] == "alice@example.com"


async def test_a_revoked_apps_token_is_401_before_it_is_refused(tmp_path: Path) -> None:
    async with alice_and_her_app(tmp_path) as (_, client, tokens):
        forgotten = await client.delete(
            f"/user/me/consents/{tokens.app_client_id}", headers=bearer(tokens.own)
        )
        response = await client.get("/user/me/sessions", headers=bearer(tokens.app))
    assert forgotten.status_code == 204
    assert response.status_code == 401


async def test_the_account_page_does_not_take_an_apps_bearer_token(tmp_path: Path) -> None:
    async with alice_and_her_app(tmp_path) as (_, client, tokens):
        response = await client.post(
            "/account/profile",
            data={"email": "attacker@app.example", "full_name": ""},
            headers={**bearer(tokens.app), **ORIGIN},
        )
        alice = await User.get(username="alice")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert alice.email == "alice@example.com"


async def test_logout_with_an_apps_token_ends_only_the_apps_session(tmp_path: Path) -> None:
    async with alice_and_her_app(tmp_path) as (_, client, tokens):
        logout = await client.post("/logout", headers=bearer(tokens.app))
        app_after = await client.get("/user/me", headers=bearer(tokens.app))
        own_after = await client.get("/user/me", headers=bearer(tokens.own))
    assert logout.status_code == 204
    assert app_after.status_code == 401
    assert own_after.status_code == 200


async def test_a_clients_own_token_is_refused_by_the_family_and_lacks_scope_for_reading(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path, api_scopes="billing:read") as p:
        created = await p.client.post(
            "/clients",
            json={"name": "billing", "grant_types": ["client_credentials"], "scopes": ["billing:read"]},
            headers=p.admin,
        )
        body = created.json()
        issued = await p.client.post(
            "/token",
            data={"grant_type": "client_credentials"},
            headers=basic(body["client_id"], body["client_secret"]),
        )
        token = issued.json()["access_token"]
        change = await p.client.patch("/user/me", json={"full_name": "x"}, headers=bearer(token))
        read = await p.client.get("/user/me", headers=bearer(token))
    assert change.status_code == 403 and change.json() == APP_TOKEN_REFUSED
    assert read.status_code == 403 and read.json() == NOT_ENOUGH_PERMISSIONS


async def test_the_users_own_password_grant_token_still_manages_the_account(tmp_path: Path) -> None:
    async with alice_and_her_app(tmp_path) as (_, client, tokens):
        response = await client.patch("/user/me", json={"full_name": "Alice"}, headers=bearer(tokens.own))
        password = await client.post(
            "/user/me/password",
            json={"current_password": PASSWORD, "new_password": "another-Staircase-43"},
            headers=bearer(tokens.own),
        )
    assert response.status_code == 200 and response.json()["full_name"] == "Alice"
    assert password.status_code == 204


async def test_an_administrators_token_given_to_an_app_without_the_admin_scope_administers_nothing(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in("alice", email="alice@example.com")
        own = (await login(p.client, "alice")).json()["access_token"]
        alice_id = (await p.client.get("/user/me", headers=bearer(own))).json()["id"]
        promoted = await p.client.patch(f"/users/{alice_id}", json={"is_admin": True}, headers=p.admin)
        assert promoted.status_code == 200
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="openid profile")
        issued = await exchange(p.client, app, fields["code"], pkce)
        assert issued.status_code == 200, issued.text
        p.client.cookies.clear()
        app_token = issued.json()["access_token"]
        own = (await login(p.client, "alice")).json()["access_token"]  # now an administrator's
        calls = [
            ("GET", "/audit-events", None),
            ("GET", "/invitations", None),
            ("POST", "/invitations", {"email": "bob@example.com"}),
            ("GET", "/users", None),
            ("POST", "/roles", {"name": "billing"}),
        ]
        by_app = [
            (await p.client.request(method, path, json=body, headers=bearer(app_token))).status_code
            for method, path, body in calls
        ]
        by_alice = await p.client.get("/audit-events", headers=bearer(own))
    assert by_app == [403] * len(calls)
    assert by_alice.status_code == 200
