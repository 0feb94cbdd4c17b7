"""Helpers of the device flow's tests (RFC 8628): a device's app registered, its codes asked for, the token
endpoint polled, and a signed-in browser typing the code on /device."""

import re
from typing import Any

import httpx

from .forms import ORIGIN
from .oidc import APP_SCOPES, App, Provider, hidden_fields

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE = re.compile(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")


async def register_device_app(provider: Provider, **fields: Any) -> App:
    """A CLI's app: public, registered for the device grant and refresh tokens, with the OpenID scopes."""
    body = {
        "name": "Notes CLI",
        "grant_types": [DEVICE_CODE, "refresh_token"],
        "scopes": list(APP_SCOPES),
        "confidential": False,
        **fields,
    }
    response = await provider.client.post("/clients", json=body, headers=provider.admin)
    assert response.status_code == 201, response.text
    created = response.json()
    return App(client_id=created["client_id"], secret=created["client_secret"], redirect_uri="")


async def ask(
    client: httpx.AsyncClient, app: App, scope: str = "openid profile offline_access"
) -> httpx.Response:
    """POST /device_authorization for the app (client_secret_basic when it has a secret)."""
    if app.secret is None:
        return await client.post("/device_authorization", data={"client_id": app.client_id, "scope": scope})
    return await client.post("/device_authorization", data={"scope": scope}, auth=(app.client_id, app.secret))


async def started(
    client: httpx.AsyncClient, app: App, scope: str = "openid profile offline_access"
) -> dict[str, Any]:
    """A device authorization that must start: its answer."""
    response = await ask(client, app, scope)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def poll(client: httpx.AsyncClient, app: App, device_code: str) -> httpx.Response:
    """The device's token request (its client_id alone when public)."""
    form = {"grant_type": DEVICE_CODE, "device_code": device_code}
    if app.secret is None:
        return await client.post("/token", data={**form, "client_id": app.client_id})
    return await client.post("/token", data=form, auth=(app.client_id, app.secret))


async def polled_error(client: httpx.AsyncClient, app: App, device_code: str) -> str:
    """A poll that must be refused (400): its `error`."""
    response = await poll(client, app, device_code)
    assert response.status_code == 400, response.text
    assert response.headers["cache-control"] == "no-store"
    error: str = response.json()["error"]
    return error


async def type_code(provider: Provider, user_code: str) -> httpx.Response:
    """The signed-in browser opens /device and submits the code page's form with `user_code`."""
    return await type_code_in(provider.client, user_code, origin=ORIGIN)


async def decide(provider: Provider, consent_page: httpx.Response, decision: str = "allow") -> httpx.Response:
    """Press Allow (or Deny) on the device's consent page."""
    return await decide_in(provider.client, consent_page, decision, origin=ORIGIN)


async def type_code_in(
    browser: httpx.AsyncClient, user_code: str, *, origin: dict[str, str]
) -> httpx.Response:
    """`type_code` for any signed-in browser client (a live server's too), posting from `origin`."""
    page = await browser.get("/device")
    assert page.status_code == 200, page.text
    form = {**hidden_fields(page.text), "user_code": user_code}
    return await browser.post("/device", data=form, headers=origin)


async def decide_in(
    browser: httpx.AsyncClient, consent_page: httpx.Response, decision: str, *, origin: dict[str, str]
) -> httpx.Response:
    """`decide` for any signed-in browser client, posting from `origin`."""
    assert consent_page.status_code == 200, consent_page.text
    assert 'action="/device"' in consent_page.text
    form = {**hidden_fields(consent_page.text), "decision": decision}
    return await browser.post("/device", data=form, headers=origin)
