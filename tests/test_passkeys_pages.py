"""Passkeys on the pages: the login page's passkey form lands signed in like the password form (cookie,
`next`, back to `/authorize`), and the account page lists, renames and removes passkeys."""

import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from api.db.models import Passkey

from .conftest import make_settings, serve, token_for
from .forms import BROWSER, csrf_of
from .oidc import Pkce, authorize_query, login_next, provider, redirect_fields
from .passkeys import Authenticator, add_passkey, sign_in_options


async def _passkey_form(
    client: httpx.AsyncClient, authenticator: Authenticator, next_path: str
) -> httpx.Response:
    """What the login page's script posts once the browser has the passkey's answer."""
    started = await sign_in_options(client)
    form = {
        "grant_type": "passkey",
        "challenge_id": started["challenge_id"],
        "credential": json.dumps(authenticator.get(started["options"])),
        "next": next_path,
    }
    return await client.post("/token", data=form, headers=BROWSER)


async def test_the_login_page_offers_a_passkey_and_autofill(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path), base_url="https://testserver") as (_, client):
        page = await client.get("/login")
    assert "<title>Log in · Auth service</title>" in page.text
    assert page.text.count('<script src="/static/passkeys.js"') == 1
    assert 'id="passkey-sign-in"' in page.text
    assert 'autocomplete="username webauthn"' in page.text
    assert '<script src="/static/passkeys.js" defer></script>' in page.text
    assert 'name="grant_type" value="passkey"' in page.text


async def test_a_passkey_sign_in_from_the_page_sets_the_cookie_and_goes_to_next(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, webauthn_origins="https://testserver", webauthn_rp_id="testserver")
    async with serve(settings, base_url="https://testserver") as (_, client):
        token = await token_for(client)
        authenticator = Authenticator(origin="https://testserver")
        assert (await add_passkey(client, token, authenticator)).status_code == 201
        client.cookies.clear()
        landed = await _passkey_form(client, authenticator, "/private")
        private = await client.get("/private")
        refused = await client.post(
            "/token",
            data={"grant_type": "passkey", "challenge_id": "x", "credential": "{}", "next": "/"},
            headers=BROWSER,
        )
    assert landed.status_code == 303 and landed.headers["location"] == "/private"
    assert "auth_token=" in landed.headers["set-cookie"]
    assert private.status_code == 200
    assert refused.status_code == 400 and "Invalid passkey" in refused.text


async def test_a_passkey_sign_in_satisfies_authorize_and_prompt_login(tmp_path: Path) -> None:
    async with provider(tmp_path, webauthn_origins="https://testserver", webauthn_rp_id="testserver") as p:
        app = await p.register_app(trusted=True)
        await p.sign_in()
        token = (
            await p.client.post("/token", data={"username": "alice", "password": "violet-Staircase-42"})
        ).json()
        authenticator = Authenticator(origin="https://testserver")
        assert (await add_passkey(p.client, token["access_token"], authenticator)).status_code == 201
        target = login_next(
            await p.client.get("/authorize", params=authorize_query(app, Pkce(), prompt="login"))
        )
        landed = await _passkey_form(p.client, authenticator, target)
        back = await p.client.get(landed.headers["location"])
    assert urlsplit(landed.headers["location"]).path == "/authorize"
    assert "code" in redirect_fields(back)


async def test_the_account_page_lists_renames_and_removes_passkeys(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path), base_url="https://testserver") as (_, client):
        token = await token_for(client)
        assert (await add_passkey(client, token, Authenticator(), "Laptop")).status_code == 201
        form = {"grant_type": "password", "username": "alice", "password": "violet-Staircase-42", "next": "/"}
        await client.post("/token", data=form, headers=BROWSER)
        page = await client.get("/account")
        passkey = await Passkey.get()
        renamed = await client.post(
            f"/account/passkeys/{passkey.id}/rename",
            data={"csrf_token": csrf_of(page.text), "name": "Phone"},
            headers=BROWSER,
        )
        after_rename = await client.get("/account")
        removed = await client.post(
            f"/account/passkeys/{passkey.id}/remove", data={"csrf_token": csrf_of(page.text)}, headers=BROWSER
        )
        after_remove = await client.get("/account?done=passkey-removed")
        left = await Passkey.all().count()
        forged = await client.post(f"/account/passkeys/{passkey.id}/remove", data={}, headers=BROWSER)
    assert "<title>Your account · Auth service</title>" in page.text
    assert 'id="passkeys"' in page.text and "Laptop" in page.text and 'id="add-passkey"' in page.text
    assert renamed.status_code == 303 and "Phone" in after_rename.text
    assert removed.status_code == 303
    assert "Passkey removed" in after_remove.text and "No passkey yet." in after_remove.text
    assert left == 0
    assert forged.status_code == 403
