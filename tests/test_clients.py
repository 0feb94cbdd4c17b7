"""Registered OAuth2 clients: the admin API under scope `admin`, and `python run.py create-client`."""

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.db.models import OAuthClient

from .clients import (
    CLIENT_FIELDS,
    CLIENT_NOT_FOUND,
    INVALID_CLIENT,
    NOT_ENOUGH_PERMISSIONS,
    Admin,
    Registered,
    admin_session,
    basic,
    client_token,
    output_field,
)
from .conftest import admin_token, bearer, login, make_settings, register, serve
from .live import run_py


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[Admin]:
    """The app with API_SCOPES billing:read and billing:write, and an administrator signed in."""
    async with admin_session(tmp_path) as session:
        yield session


# --- the admin API ---


async def test_creating_a_client_returns_its_secret_once_and_stores_only_its_sha256(admin: Admin) -> None:
    response = await admin.client.post(
        "/clients",
        json={
            "name": "billing service",
            "grant_types": ["client_credentials"],
            "scopes": ["billing:read"],
            "redirect_uris": ["https://billing.example.com/callback"],
        },
        headers=admin.headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == CLIENT_FIELDS | {"client_secret"}
    assert body["name"] == "billing service"
    assert body["grant_types"] == ["client_credentials"]
    assert body["scopes"] == ["billing:read"]
    assert body["redirect_uris"] == ["https://billing.example.com/callback"]
    assert body["confidential"] is True
    secret = body["client_secret"]
    assert isinstance(secret, str) and len(secret) >= 32
    stored = await OAuthClient.get(client_id=body["client_id"])
    assert stored.secret_hash != secret
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (await admin.client.get(f"/clients/{body['client_id']}", headers=admin.headers)).text


async def test_listing_and_reading_clients_never_shows_a_secret(admin: Admin) -> None:
    first = await admin.create(name="first")
    second = await admin.create(name="second", scopes=("profile",))
    listing = await admin.client.get("/clients", headers=admin.headers)
    assert listing.status_code == 200
    assert [item["client_id"] for item in listing.json()] == [first.client_id, second.client_id]
    assert all(set(item) == CLIENT_FIELDS for item in listing.json())
    one = await admin.client.get(f"/clients/{second.client_id}", headers=admin.headers)
    assert one.status_code == 200
    assert set(one.json()) == CLIENT_FIELDS
    assert one.json()["name"] == "second" and one.json()["scopes"] == ["profile"]
    stored = await OAuthClient.get(client_id=first.client_id)
    for text in (listing.text, one.text):
        assert first.secret not in text and second.secret not in text
        assert "secret" not in text and str(stored.secret_hash) not in text


async def test_reading_an_unknown_client_is_404(admin: Admin) -> None:
    response = await admin.client.get("/clients/no-such-client", headers=admin.headers)
    assert response.status_code == 404
    assert response.json() == CLIENT_NOT_FOUND


@pytest.mark.parametrize(
    ("grant_types", "scopes", "field"),
    [
        (["implicit"], ["billing:read"], "grant_types"),
        (["client_credentials"], ["billing:delete"], "scopes"),
        (["client_credentials"], ["profile", "launch-missiles"], "scopes"),
    ],
)
async def test_unknown_grant_type_or_scope_is_422(
    admin: Admin, grant_types: list[str], scopes: list[str], field: str
) -> None:
    response = await admin.client.post(
        "/clients",
        json={"name": "svc", "grant_types": grant_types, "scopes": scopes},
        headers=admin.headers,
    )
    assert response.status_code == 422
    assert {tuple(error["loc"][:2]) for error in response.json()["detail"]} == {("body", field)}
    assert await OAuthClient.all().count() == 0


async def test_built_in_scopes_need_no_api_scopes_setting(client: httpx.AsyncClient) -> None:
    headers = bearer(await admin_token(client))
    response = await client.post(
        "/clients",
        json={"name": "svc", "grant_types": ["client_credentials"], "scopes": ["admin", "profile"]},
        headers=headers,
    )
    assert response.status_code == 201
    assert sorted(response.json()["scopes"]) == ["admin", "profile"]
    refused = await client.post(
        "/clients",
        json={"name": "svc", "grant_types": ["client_credentials"], "scopes": ["billing:read"]},
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][:2] == ["body", "scopes"]


async def test_a_public_client_has_no_secret(admin: Admin) -> None:
    response = await admin.client.post(
        "/clients",
        json={"name": "app", "grant_types": ["password"], "scopes": ["profile"], "confidential": False},
        headers=admin.headers,
    )
    assert response.status_code == 201
    assert response.json()["client_secret"] is None
    assert response.json()["confidential"] is False
    assert (await OAuthClient.get(client_id=response.json()["client_id"])).secret_hash is None


async def test_a_public_client_may_not_have_client_credentials(admin: Admin) -> None:
    response = await admin.client.post(
        "/clients",
        json={
            "name": "app",
            "grant_types": ["client_credentials"],
            "scopes": ["profile"],
            "confidential": False,
        },
        headers=admin.headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "grant_types"]
    assert await OAuthClient.all().count() == 0


async def test_patching_a_client_changes_what_is_given_and_keeps_the_rest(admin: Admin) -> None:
    registered = await admin.create()
    response = await admin.client.patch(
        f"/clients/{registered.client_id}",
        json={
            "name": "renamed",
            "grant_types": ["client_credentials", "password"],
            "scopes": ["billing:read"],
        },
        headers=admin.headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CLIENT_FIELDS
    assert body["name"] == "renamed"
    assert body["grant_types"] == ["client_credentials", "password"]
    assert body["scopes"] == ["billing:read"]
    assert body["redirect_uris"] == []
    assert body["confidential"] is True
    again = await admin.client.get(f"/clients/{registered.client_id}", headers=admin.headers)
    assert again.status_code == 200 and again.json() == body
    # the secret is untouched by a PATCH
    assert (await client_token(admin.client, registered))["scope"] == "billing:read"


async def test_patching_redirect_uris_replaces_them(admin: Admin) -> None:
    registered = await admin.create()
    response = await admin.client.patch(
        f"/clients/{registered.client_id}",
        json={"redirect_uris": ["https://billing.example.com/back"]},
        headers=admin.headers,
    )
    assert response.status_code == 200
    assert response.json()["redirect_uris"] == ["https://billing.example.com/back"]
    assert response.json()["name"] == "billing service"
    stored = await OAuthClient.get(client_id=registered.client_id)
    assert stored.redirect_uris == ["https://billing.example.com/back"]


async def test_patching_in_an_unknown_scope_is_422_and_changes_nothing(admin: Admin) -> None:
    registered = await admin.create()
    response = await admin.client.patch(
        f"/clients/{registered.client_id}", json={"scopes": ["billing:delete"]}, headers=admin.headers
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "scopes"]
    kept = await admin.client.get(f"/clients/{registered.client_id}", headers=admin.headers)
    assert kept.json()["scopes"] == ["billing:read", "billing:write"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/clients/no-such-client", {"name": "x"}),
        ("DELETE", "/clients/no-such-client", None),
        ("POST", "/clients/no-such-client/secret", None),
    ],
)
async def test_changing_an_unknown_client_is_404(
    admin: Admin, method: str, path: str, body: dict[str, str] | None
) -> None:
    response = await admin.client.request(method, path, json=body, headers=admin.headers)
    assert response.status_code == 404
    assert response.json() == CLIENT_NOT_FOUND


async def test_deleting_a_client_is_204_then_404_and_its_credentials_stop_working(admin: Admin) -> None:
    registered = await admin.create()
    response = await admin.client.delete(f"/clients/{registered.client_id}", headers=admin.headers)
    assert response.status_code == 204 and response.content == b""
    gone = await admin.client.get(f"/clients/{registered.client_id}", headers=admin.headers)
    assert gone.status_code == 404 and gone.json() == CLIENT_NOT_FOUND
    again = await admin.client.delete(f"/clients/{registered.client_id}", headers=admin.headers)
    assert again.status_code == 404 and again.json() == CLIENT_NOT_FOUND
    refused = await admin.client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers=basic(registered.client_id, registered.secret),
    )
    assert refused.status_code == 401 and refused.json() == INVALID_CLIENT


async def test_a_new_secret_replaces_the_old_one_at_once(admin: Admin) -> None:
    registered = await admin.create()
    response = await admin.client.post(f"/clients/{registered.client_id}/secret", headers=admin.headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"client_id", "client_secret"}
    assert body["client_id"] == registered.client_id
    assert body["client_secret"] != registered.secret
    old = await admin.client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers=basic(registered.client_id, registered.secret),
    )
    assert old.status_code == 401
    assert old.json() == INVALID_CLIENT
    assert old.headers["www-authenticate"] == "Basic"
    renewed = Registered(client_id=registered.client_id, secret=body["client_secret"])
    assert (await client_token(admin.client, renewed))["scope"] == "billing:read billing:write"
    stored = await OAuthClient.get(client_id=registered.client_id)
    assert stored.secret_hash == hashlib.sha256(body["client_secret"].encode()).hexdigest()


ADMIN_CALLS = [
    ("POST", "/clients", {"name": "svc", "grant_types": ["client_credentials"], "scopes": ["profile"]}),
    ("GET", "/clients", None),
    ("GET", "/clients/some-client", None),
    ("PATCH", "/clients/some-client", {"name": "renamed"}),
    ("DELETE", "/clients/some-client", None),
    ("POST", "/clients/some-client/secret", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
async def test_a_plain_user_is_403_on_the_clients_api(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    assert (await register(client, "alice")).status_code == 201
    token = (await login(client, "alice")).json()["access_token"]
    response = await client.request(method, path, json=body, headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == NOT_ENOUGH_PERMISSIONS
    assert await OAuthClient.all().count() == 0


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
async def test_the_clients_api_without_a_token_is_401(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Bearer"


# --- python run.py create-client ---


async def test_create_client_command_prints_an_id_and_secret_that_work(
    tmp_path: Path, fresh_database_url: str
) -> None:
    result = run_py(
        tmp_path,
        fresh_database_url,
        "create-client",
        "svc",
        "--grant",
        "client_credentials",
        "--scope",
        "billing:read",
        API_SCOPES="billing:read",
    )
    assert result.returncode == 0, result.stderr
    registered = Registered(
        client_id=output_field(result.stdout, "client_id"),
        secret=output_field(result.stdout, "client_secret"),
    )
    settings = make_settings(tmp_path, database_url=fresh_database_url, api_scopes="billing:read")
    async with serve(settings) as (_, client):
        stored = await OAuthClient.get(client_id=registered.client_id)
        assert stored.name == "svc"
        assert stored.secret_hash != registered.secret
        assert stored.secret_hash == hashlib.sha256(registered.secret.encode()).hexdigest()
        body = await client_token(client, registered)
    assert body["scope"] == "billing:read"
    assert "refresh_token" not in body


def test_create_client_command_refuses_an_unknown_scope(tmp_path: Path, fresh_database_url: str) -> None:
    result = run_py(
        tmp_path,
        fresh_database_url,
        "create-client",
        "svc",
        "--scope",
        "billing:delete",
        API_SCOPES="billing:read",
    )
    assert result.returncode == 1
    assert "client_secret" not in result.stdout
    assert re.search(r"^error: .*billing:delete", result.stderr, re.MULTILINE), result.stderr
