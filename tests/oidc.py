"""The provider as its apps meet it: an app registered, a browser signed in, and the authorization code
flow walked by hand (redirects read, forms posted as a browser posts them)."""

import base64
import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI

from .conftest import PASSWORD, Clock, admin_token, bearer, make_settings, register, serve
from .forms import BROWSER, ORIGIN

ISSUER = "https://testserver"
REDIRECT_URI = "https://app.example/callback"
APP_SCOPES = ("openid", "profile", "email", "offline_access")


@dataclass(frozen=True)
class App:
    """A registered app: its id, its secret (None for a public client)."""

    client_id: str
    secret: str | None
    redirect_uri: str = REDIRECT_URI


@dataclass
class Provider:
    """The app under test on https://testserver, an administrator's header, and a browser's client."""

    app: FastAPI
    client: httpx.AsyncClient
    admin: dict[str, str]

    async def register_app(self, **fields: Any) -> App:
        """Register an app for the code flow (confidential, with refresh) unless `fields` say otherwise."""
        body = {
            "name": "Notes",
            "grant_types": ["authorization_code", "refresh_token"],
            "scopes": list(APP_SCOPES),
            "redirect_uris": [REDIRECT_URI],
            **fields,
        }
        response = await self.client.post("/clients", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        created = response.json()
        return App(
            client_id=created["client_id"],
            secret=created["client_secret"],
            redirect_uri=body["redirect_uris"][0],
        )

    async def sign_in(self, username: str = "alice", **registration: str) -> None:
        """Register `username` and sign the browser in with the login page's form."""
        assert (await register(self.client, username, **registration)).status_code == 201
        await self.log_in(username)

    async def log_in(self, username: str = "alice") -> httpx.Response:
        """The login page's form post (the cookie lands in the client's jar)."""
        form = {"grant_type": "password", "username": username, "password": PASSWORD, "next": "/"}
        response = await self.client.post("/token", data=form, headers=BROWSER)
        assert response.status_code == 303, response.text
        return response


@asynccontextmanager
async def provider(
    tmp_path: Path, *, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[Provider]:
    """The service with PUBLIC_URL https://testserver, an administrator, and a browser client."""
    settings = make_settings(tmp_path, public_url=ISSUER, **overrides)
    async with serve(settings, base_url=ISSUER, clock=clock) as (app, client):
        admin = bearer(await admin_token(client))
        client.cookies.clear()  # the administrator signed in with a bearer token, not the browser
        yield Provider(app=app, client=client, admin=admin)


@dataclass
class Pkce:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""

    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_query(app: App, pkce: Pkce | None, **extra: str) -> dict[str, str]:
    """An authorization request's parameters: code, openid profile email, a state and a nonce."""
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": "openid profile email",
        "state": "state-123",
        "nonce": "nonce-456",
    }
    if pkce is not None:
        query |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
    query.update(extra)
    return {name: value for name, value in query.items() if value != ""}


def redirect_fields(response: httpx.Response, *, to: str = REDIRECT_URI) -> dict[str, str]:
    """The query of a 302 back to the app (asserting it goes there)."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.split("?", 1)[0] == to, location
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page's form (the consent page carries the request in them)."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {name: unescape(value) for name, value in found}


async def consent(client: httpx.AsyncClient, page: httpx.Response, decision: str = "allow") -> httpx.Response:
    """Press Allow (or Deny) on a consent page."""
    assert page.status_code == 200, page.text
    form = {**hidden_fields(page.text), "decision": decision}
    return await client.post("/authorize", data=form, headers=ORIGIN)


async def code_for(provider: Provider, app: App, pkce: Pkce | None = None, **extra: str) -> dict[str, str]:
    """Walk the flow for a signed-in browser, allowing the consent page if it comes: the redirect's fields."""
    response = await provider.client.get("/authorize", params=authorize_query(app, pkce, **extra))
    if response.status_code == 200:
        response = await consent(provider.client, response)
    return redirect_fields(response, to=app.redirect_uri)


async def exchange(
    client: httpx.AsyncClient, app: App, code: str, pkce: Pkce | None, **form: str
) -> httpx.Response:
    """The app's token request for a code (client_secret_basic, or client_id alone for a public app)."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri}
    if pkce is not None:
        data["code_verifier"] = pkce.verifier
    data.update(form)
    if app.secret is None:
        data.setdefault("client_id", app.client_id)
        return await client.post("/token", data=data)
    return await client.post("/token", data=data, auth=(app.client_id, app.secret))


def login_next(response: httpx.Response) -> str:
    """Where the login page a 302 points to comes back to."""
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/login", response.headers["location"]
    return parse_qs(location.query)["next"][0]
