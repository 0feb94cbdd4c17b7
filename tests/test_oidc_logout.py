"""RP-initiated logout (`/end-session`), and the apps a user allowed: listed, and taken back."""

from pathlib import Path

import jwt

from api.db.models import Consent, Session

from .conftest import Clock, bearer, me_status
from .forms import BROWSER, ORIGIN, csrf_of
from .oidc import App, Pkce, Provider, code_for, exchange, hidden_fields, provider

AFTER_LOGOUT = "https://app.example/signed-out"


async def _id_token(p: Provider, app: App, scope: str = "openid profile offline_access") -> dict[str, str]:
    pkce = Pkce()
    fields = await code_for(p, app, pkce, scope=scope)
    tokens: dict[str, str] = (await exchange(p.client, app, fields["code"], pkce)).json()
    return tokens


async def _signed_in(p: Provider) -> bool:
    return (await p.client.get("/account")).status_code == 200


async def test_a_valid_hint_of_the_signed_in_user_ends_the_session_and_goes_back_with_state(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(post_logout_redirect_uris=[AFTER_LOGOUT])
        await p.sign_in()
        tokens = await _id_token(p, app)
        browser_sid = jwt.decode(tokens["id_token"], options={"verify_signature": False})["sid"]
        cookie_token = p.client.cookies["auth_token"]
        before = await me_status(p.client, cookie_token)  # a cached answer, which the logout must void
        response = await p.client.get(
            "/end-session",
            params={
                "id_token_hint": tokens["id_token"],
                "post_logout_redirect_uri": AFTER_LOGOUT,
                "state": "s1",
            },
        )
        browser = await Session.get(id=browser_sid)
        still_in = await _signed_in(p)
        after = await me_status(p.client, cookie_token)
    assert (before, after) == (200, 401)
    assert response.status_code == 302
    assert response.headers["location"] == f"{AFTER_LOGOUT}?state=s1"
    assert "auth_token=" in response.headers["set-cookie"]  # cleared
    assert browser.revoked_at is not None
    assert still_in is False


async def test_an_expired_hint_asks_before_signing_out_and_its_confirmation_signs_out(tmp_path: Path) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock, access_token_expire_minutes=1) as p:
        app = await p.register_app(post_logout_redirect_uris=[AFTER_LOGOUT])
        await p.sign_in()
        tokens = await _id_token(p, app)
        claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        hint = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": AFTER_LOGOUT}
        clock.advance(minutes=2)
        page = await p.client.get("/end-session", params=hint)
        still_in = await _signed_in(p)
        confirmed = await p.client.post(
            "/end-session", data={**hidden_fields(page.text), "logout": "yes"}, headers=ORIGIN
        )
        after = await _signed_in(p)
    assert claims["exp"] - claims["iat"] == 60
    # still a valid hint (signed here, for this app), but an old one may be replayed: ask first
    assert page.status_code == 200 and "Sign out?" in page.text and "Notes" in page.text
    assert still_in is True
    assert confirmed.status_code == 302 and confirmed.headers["location"] == AFTER_LOGOUT
    assert after is False


async def test_an_unregistered_post_logout_redirect_uri_is_never_followed(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(post_logout_redirect_uris=[AFTER_LOGOUT])
        await p.sign_in()
        tokens = await _id_token(p, app)
        response = await p.client.get(
            "/end-session",
            params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
        )
    assert response.status_code == 200
    assert "You are signed out" in response.text


async def test_without_a_hint_a_confirmation_page_comes_first(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(post_logout_redirect_uris=[AFTER_LOGOUT])
        await p.sign_in()
        page = await p.client.get(
            "/end-session", params={"client_id": app.client_id, "post_logout_redirect_uri": AFTER_LOGOUT}
        )
        still_in = await _signed_in(p)
        confirmed = await p.client.post(
            "/end-session", data={**hidden_fields(page.text), "logout": "yes"}, headers=ORIGIN
        )
        after = await _signed_in(p)
    assert page.status_code == 200 and "Sign out?" in page.text and "Notes" in page.text
    assert "form-action 'self' https://app.example" in page.headers["content-security-policy"]
    assert still_in is True
    assert confirmed.status_code == 302 and confirmed.headers["location"] == AFTER_LOGOUT
    assert after is False


async def test_the_confirmation_needs_the_csrf_token(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        await p.sign_in()
        forged = await p.client.post("/end-session", data={"logout": "yes"}, headers=ORIGIN)
        still_in = await _signed_in(p)
    assert forged.status_code == 403
    assert still_in is True


async def test_a_hint_for_another_user_asks_first(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(trusted=True)
        await p.sign_in("alice")
        alices = await _id_token(p, app)
        p.client.cookies.clear()
        await p.sign_in("bob")
        page = await p.client.get("/end-session", params={"id_token_hint": alices["id_token"]})
        still_in = await _signed_in(p)
    assert page.status_code == 200 and "Sign out?" in page.text
    assert still_in is True


async def test_a_forged_or_foreign_hint_is_refused_with_a_page(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(trusted=True)
        other = await p.register_app(name="Other", trusted=True)
        await p.sign_in()
        tokens = await _id_token(p, app)
        header, body, _ = tokens["id_token"].split(".")
        forged = await p.client.get("/end-session", params={"id_token_hint": f"{header}.{body}.AAAA"})
        an_access_token = await p.client.get("/end-session", params={"id_token_hint": tokens["access_token"]})
        other_client = await p.client.get(
            "/end-session", params={"id_token_hint": tokens["id_token"], "client_id": other.client_id}
        )
        garbage = await p.client.get("/end-session", params={"id_token_hint": "not-a-jwt"})
        still_in = await _signed_in(p)
    for refused in (forged, an_access_token, other_client, garbage):
        assert refused.status_code == 400
        assert "location" not in refused.headers
    assert still_in is True


async def test_consents_are_listed_and_forgetting_one_revokes_the_apps_tokens(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        tokens = await _id_token(p, app)
        mine = bearer(
            await _own_token(p)
        )  # the app's token may not manage consents (tests/test_app_tokens.py)
        listed = await p.client.get("/user/me/consents", headers=mine)
        gone = await p.client.delete(f"/user/me/consents/{app.client_id}", headers=mine)
        after = await me_status(p.client, tokens["access_token"])
        refreshed = await p.client.post(
            "/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(app.client_id, app.secret or ""),
        )
        unknown = await p.client.delete("/user/me/consents/nobody", headers=mine)
        asked_again = await p.client.get(
            "/authorize", params={**_query(app), "code_challenge": Pkce().challenge}
        )
    assert listed.status_code == 200
    [entry] = listed.json()
    assert set(entry) == {"client_id", "client_name", "scopes", "granted_at"}
    assert entry["client_id"] == app.client_id and entry["client_name"] == "Notes"
    assert entry["scopes"] == ["offline_access", "openid", "profile"]
    assert gone.status_code == 204
    assert after == 401
    assert refreshed.status_code == 400
    assert unknown.status_code == 404
    assert asked_again.status_code == 200 and 'value="allow"' in asked_again.text


async def _own_token(p: Provider) -> str:
    response = await p.client.post("/token", data={"username": "alice", "password": "violet-Staircase-42"})
    token: str = response.json()["access_token"]
    return token


def _query(app: App) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": "openid profile",
        "code_challenge_method": "S256",
    }


async def test_the_account_page_lists_apps_with_access_and_removes_one(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        tokens = await _id_token(p, app)
        page = await p.client.get("/account")
        removed = await p.client.post(
            f"/account/apps/{app.client_id}/forget", data={"csrf_token": csrf_of(page.text)}, headers=BROWSER
        )
        after = await p.client.get("/account")
        consents = await Consent.all().count()
        revoked = await me_status(p.client, tokens["access_token"])
    assert 'id="apps"' in page.text and "Notes" in page.text and "Remove access" in page.text
    assert removed.status_code == 303
    assert "No app signs you in" in after.text
    assert consents == 0
    assert revoked == 401


async def test_deleting_an_app_ends_the_sessions_it_holds(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        tokens = await _id_token(p, app)
        deleted = await p.client.delete(f"/clients/{app.client_id}", headers=p.admin)
        after = await me_status(p.client, tokens["access_token"])
    assert deleted.status_code == 204
    assert after == 401
