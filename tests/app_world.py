"""Tokens in every state an app or a resource server meets, for the fast paths and the routes alike."""

from dataclasses import dataclass

import httpx

from api.db.models import User

from .conftest import bearer, direct_writes, login
from .oidc import App, Provider
from .roles import allow_roles, give_roles
from .test_introspection import basic
from .test_roles_apps import app_tokens

ROLES_APP_SCOPE = "openid profile roles offline_access"


@dataclass
class World:
    """An app allowed two roles, a resource server's client_credentials client, and tokens by name."""

    app: App
    resource_id: str
    resource_secret: str
    tokens: dict[str, str]

    @property
    def resource(self) -> dict[str, str]:
        """The resource server's client_secret_basic header."""
        return basic(self.resource_id, self.resource_secret)


async def resource_client(p: Provider) -> tuple[str, str]:
    """A client_credentials client registered by the provider's administrator: its id and secret."""
    body = {"name": "rs", "grant_types": ["client_credentials"], "scopes": ["profile"]}
    response = await p.client.post("/clients", json=body, headers=p.admin)
    assert response.status_code == 201, response.text
    return response.json()["client_id"], response.json()["client_secret"]


async def password_token(client: httpx.AsyncClient, username: str, scope: str) -> str:
    response = await login(client, username, scope=scope)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def world(p: Provider) -> World:
    """alice's app tokens with roles; bob's after he took his consent back; carol's after she was disabled;
    alice's own tokens, one logged out; a client's own token."""
    app = await p.register_app(scopes=["openid", "profile", "email", "offline_access", "roles"])
    await p.sign_in("alice", email="alice@example.com")
    await give_roles(p.client)
    await allow_roles(p.client, app.client_id, ["billing", "support"])
    alice = await app_tokens(p, app, scope=ROLES_APP_SCOPE)
    tokens = {
        "app token": alice["access_token"],
        "app refresh token": alice["refresh_token"],
        "app token, email": (await app_tokens(p, app, scope="openid email"))["access_token"],
        "app token, no openid": (await app_tokens(p, app, scope="profile"))["access_token"],
        "own token": await password_token(p.client, "alice", "profile roles"),
    }
    await p.sign_in("bob")
    tokens["consent revoked"] = (await app_tokens(p, app, scope="openid profile"))["access_token"]
    bob = await password_token(p.client, "bob", "profile")
    forgotten = await p.client.delete(f"/user/me/consents/{app.client_id}", headers=bearer(bob))
    assert forgotten.status_code == 204, forgotten.text
    await p.sign_in("carol")
    tokens["user disabled"] = (await app_tokens(p, app, scope="openid profile"))["access_token"]
    async with direct_writes(p.client):
        await User.filter(username_key="carol").update(disabled=True)
    p.client.cookies.clear()
    tokens["logged out"] = await password_token(p.client, "alice", "profile")
    assert (await p.client.post("/logout", headers=bearer(tokens["logged out"]))).status_code == 204
    resource_id, resource_secret = await resource_client(p)
    granted = await p.client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(resource_id, resource_secret)
    )
    assert granted.status_code == 200, granted.text
    tokens["client's token"] = granted.json()["access_token"]
    tokens["malformed"] = "not.a.token"
    tokens["garbage"] = "x" * 40
    return World(app=app, resource_id=resource_id, resource_secret=resource_secret, tokens=tokens)
