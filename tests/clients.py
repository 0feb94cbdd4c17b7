"""Helpers of the registered clients' tests: an administrator's session, client authentication, tokens."""

import base64
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .conftest import admin_token, bearer, make_settings, serve

API_SCOPES = "billing:read billing:write"
CLIENT_FIELDS = {
    "client_id",
    "name",
    "grant_types",
    "scopes",
    "redirect_uris",
    "confidential",
    "created_at",
    "post_logout_redirect_uris",
    "require_pkce",
    "trusted",
    "id_token_signed_response_alg",
    "allowed_roles",
    "backchannel_logout_uri",
    "backchannel_logout_session_required",
}
INTROSPECTION_FIELDS = {"active", "scope", "client_id", "sub", "exp", "iat", "token_type"}
INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed",
    "detail": "Client authentication failed",
}
NOT_ENOUGH_PERMISSIONS = {"detail": "Not enough permissions"}
NOT_VALIDATED = {"detail": "Could not validate credentials"}
CLIENT_NOT_FOUND = {"detail": "Client not found"}


@dataclass(frozen=True)
class Registered:
    """A client just registered: its id and the secret shown this once."""

    client_id: str
    secret: str


@dataclass(frozen=True)
class Admin:
    """The app under test, and an administrator's bearer header for the clients' API."""

    client: httpx.AsyncClient
    headers: dict[str, str]

    async def create(
        self,
        *,
        grant_types: tuple[str, ...] = ("client_credentials",),
        scopes: tuple[str, ...] = ("billing:read", "billing:write"),
        name: str = "billing service",
    ) -> Registered:
        response = await self.client.post(
            "/clients",
            json={"name": name, "grant_types": list(grant_types), "scopes": list(scopes)},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert isinstance(body["client_secret"], str)
        return Registered(client_id=body["client_id"], secret=body["client_secret"])


def basic(client_id: str, secret: str) -> dict[str, str]:
    """client_secret_basic's header, the id and secret sent as they are."""
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def percent_encoded(text: str) -> str:
    """Every byte of `text` as %XX: a form-urlencoding as legitimate as leaving the safe characters be."""
    return "".join(f"%{byte:02X}" for byte in text.encode())


async def client_token(client: httpx.AsyncClient, registered: Registered, **form: str) -> dict[str, Any]:
    """A client_credentials token for a registered client (client_secret_basic)."""
    response = await client.post(
        "/token",
        data={"grant_type": "client_credentials", **form},
        headers=basic(registered.client_id, registered.secret),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def introspect(client: httpx.AsyncClient, caller: Registered, token: str) -> httpx.Response:
    """POST /token/introspect for `token`, the caller authenticating with client_secret_basic."""
    return await client.post(
        "/token/introspect", data={"token": token}, headers=basic(caller.client_id, caller.secret)
    )


def output_field(stdout: str, name: str) -> str:
    """The value of the `name: value` line create-client printed."""
    match = re.search(rf"^{name}: (\S+)$", stdout, re.MULTILINE)
    assert match is not None, stdout
    return match.group(1)


@asynccontextmanager
async def admin_session(tmp_path: Path) -> AsyncIterator[Admin]:
    """The app with API_SCOPES billing:read and billing:write, and an administrator signed in."""
    async with serve(make_settings(tmp_path, api_scopes=API_SCOPES)) as (_, client):
        yield Admin(client=client, headers=bearer(await admin_token(client)))
