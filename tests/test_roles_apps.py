"""The `roles` scope in the authorization code flow: the access token, the id_token, `/userinfo`,
`/user/me` and introspection of an app's tokens, each within the app's `allowed_roles`; the consent page and
discovery."""

from pathlib import Path
from typing import Any

import httpx

from .conftest import bearer, login, make_settings, refresh, serve
from .oidc import (
    APP_SCOPES,
    ISSUER,
    App,
    Pkce,
    Provider,
    authorize_query,
    code_for,
    exchange,
    provider,
    redirect_fields,
)
from .roles import EVERY_ROLE, ROLES_SCOPE, allow_roles, claims, give_roles, me

APP_ROLES_SCOPE = "openid profile roles offline_access"


async def signed_in_app(p: Provider) -> App:
    """An app registered for `roles`, and alice signed in with her roles given."""
    app = await p.register_app(scopes=[*APP_SCOPES, "roles"])
    await p.sign_in("alice")
    await give_roles(p.client)
    return app


async def app_tokens(p: Provider, app: App, scope: str = APP_ROLES_SCOPE) -> dict[str, Any]:
    """The code flow walked for alice: the app's token response."""
    pkce = Pkce()
    fields = await code_for(p, app, pkce, scope=scope)
    response = await exchange(p.client, app, fields["code"], pkce)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def introspected(client: httpx.AsyncClient, app: App, token: str) -> dict[str, Any]:
    response = await client.post(
        "/token/introspect", data={"token": token}, auth=(app.client_id, app.secret or "")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def userinfo(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.get("/userinfo", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def app_refresh(client: httpx.AsyncClient, app: App, refresh_token: str) -> dict[str, Any]:
    response = await refresh(client, refresh_token, client_id=app.client_id, client_secret=app.secret or "")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def every_place(client: httpx.AsyncClient, app: App, tokens: dict[str, Any]) -> dict[str, Any]:
    """Where an app's tokens show roles: each place's `roles` (None where there is none)."""
    access = tokens["access_token"]
    return {
        "access token": claims(access).get("roles"),
        "id_token": claims(tokens["id_token"]).get("roles"),
        "userinfo": (await userinfo(client, access)).get("roles"),
        "user/me": (await me(client, access)).get("roles"),
        "introspection": (await introspected(client, app, access)).get("roles"),
        "refresh introspection": (await introspected(client, app, tokens["refresh_token"])).get("roles"),
    }


async def test_the_code_flow_carries_roles_through_groups_everywhere_the_app_reads_them(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await signed_in_app(p)
        tokens = await app_tokens(p, app)
        places = await every_place(p.client, app, tokens)
        renewed = await app_refresh(p.client, app, tokens["refresh_token"])
    assert tokens["scope"] == "offline_access openid profile roles"
    assert places == dict.fromkeys(places, EVERY_ROLE)
    assert renewed["scope"] == tokens["scope"]
    assert claims(renewed["access_token"])["roles"] == claims(renewed["id_token"])["roles"] == EVERY_ROLE


async def test_allowed_roles_narrow_every_token_and_answer_of_the_app(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await signed_in_app(p)
        await allow_roles(p.client, app.client_id, ["billing", "not-a-role-yet"])
        tokens = await app_tokens(p, app)
        places = await every_place(p.client, app, tokens)
        renewed = await app_refresh(p.client, app, tokens["refresh_token"])
        own = (await login(p.client, "alice", scope=ROLES_SCOPE)).json()["access_token"]
    assert places == dict.fromkeys(places, ["billing"])
    assert claims(renewed["access_token"])["roles"] == claims(renewed["id_token"])["roles"] == ["billing"]
    # the service's own sign-in is no app: every role
    assert claims(own)["roles"] == EVERY_ROLE


async def test_an_app_allowed_no_role_gets_an_empty_list(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await signed_in_app(p)
        await allow_roles(p.client, app.client_id, [])
        tokens = await app_tokens(p, app)
        places = await every_place(p.client, app, tokens)
    assert places == dict.fromkeys(places, [])


async def test_a_change_of_allowed_roles_shows_at_once_on_user_me_and_userinfo(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await signed_in_app(p)
        access = (await app_tokens(p, app))["access_token"]
        for _ in range(2):  # the second answer comes from the cache
            assert (await me(p.client, access))["roles"] == EVERY_ROLE
        await allow_roles(p.client, app.client_id, ["support"])
        assert (await me(p.client, access))["roles"] == ["support"]
        assert (await userinfo(p.client, access))["roles"] == ["support"]
    assert claims(access)["roles"] == EVERY_ROLE


async def test_an_app_flow_without_the_roles_scope_shows_no_roles_anywhere(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await signed_in_app(p)
        tokens = await app_tokens(p, app, scope="openid profile offline_access")
        places = await every_place(p.client, app, tokens)
    assert places == dict.fromkeys(places, None)


async def test_an_app_not_registered_for_roles_may_not_ask_for_them(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in("alice")
        response = await p.client.get("/authorize", params=authorize_query(app, Pkce(), scope="openid roles"))
    fields = redirect_fields(response)
    assert fields["error"] == "invalid_scope"
    assert "roles" in fields["error_description"]


async def test_the_consent_page_says_what_the_roles_scope_shows(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await signed_in_app(p)
        page = await p.client.get("/authorize", params=authorize_query(app, Pkce(), scope="openid roles"))
    assert page.status_code == 200, page.text
    assert "See your roles" in page.text and "(roles)" in page.text


async def test_discovery_lists_the_roles_scope_and_claim(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        openid = (await p.client.get("/.well-known/openid-configuration")).json()
        oauth = (await p.client.get("/.well-known/oauth-authorization-server")).json()
    assert "roles" in openid["scopes_supported"] and "roles" in oauth["scopes_supported"]
    assert "roles" in openid["claims_supported"]


async def test_the_fast_path_and_the_route_show_an_apps_roles_byte_for_byte_alike(
    tmp_path: Path, fresh_database_url: str
) -> None:
    async with provider(tmp_path, database_url=fresh_database_url) as p:
        app = await signed_in_app(p)
        await allow_roles(p.client, app.client_id, ["billing", "support"])
        access = (await app_tokens(p, app))["access_token"]
    settings = make_settings(tmp_path, public_url=ISSUER, database_url=fresh_database_url)
    answers: dict[bool, tuple[int, list[tuple[str, str]], bytes]] = {}
    for fast in (True, False):
        async with serve(settings, base_url=ISSUER, me_fast_path=fast) as (_, client):
            response = await client.get("/user/me", headers=bearer(access))
            answers[fast] = (response.status_code, response.headers.multi_items(), response.content)
    assert answers[True][0] == 200
    assert b'"roles":["billing","support"]' in answers[True][2]
    assert answers[True] == answers[False]
