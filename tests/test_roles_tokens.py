"""The `roles` scope on the service's own sign-ins: the access token's claim, `GET /user/me`, refresh and
introspection, and a change of roles seen at once where the database is read."""

import json
from pathlib import Path

import httpx

from api.db.models import GroupRole, Role, User, UserRole

from .clients import admin_session, introspect
from .conftest import Clock, direct_writes, logged_in, login, make_settings, refresh, register, serve
from .passkeys import Authenticator, add_passkey, sign_in_options
from .roles import EVERY_ROLE, ROLES_SCOPE, claims, give_roles, me
from .test_mfa import enrol, second_step


async def test_roles_through_groups_appear_in_the_access_token_and_on_user_me(
    client: httpx.AsyncClient,
) -> None:
    assert (await register(client, "alice")).status_code == 201
    await give_roles(client)
    tokens = (await login(client, "alice", scope=ROLES_SCOPE)).json()
    assert tokens["scope"] == "profile roles"
    assert claims(tokens["access_token"])["roles"] == EVERY_ROLE
    assert (await me(client, tokens["access_token"]))["roles"] == EVERY_ROLE


async def test_a_request_without_scope_gets_what_it_got_before_and_no_roles(
    client: httpx.AsyncClient,
) -> None:
    assert (await register(client, "alice")).status_code == 201
    await give_roles(client)
    tokens = (await login(client, "alice")).json()
    refreshed = (await refresh(client, tokens["refresh_token"])).json()
    assert tokens["scope"] == refreshed["scope"] == "profile"
    for token in (tokens["access_token"], refreshed["access_token"]):
        assert "roles" not in claims(token)
        assert "roles" not in await me(client, token)


async def test_a_user_without_roles_granted_the_scope_carries_an_empty_list(
    client: httpx.AsyncClient,
) -> None:
    assert (await register(client, "alice")).status_code == 201
    tokens = (await login(client, "alice", scope=ROLES_SCOPE)).json()
    assert claims(tokens["access_token"])["roles"] == []
    assert (await me(client, tokens["access_token"]))["roles"] == []


async def test_a_removed_grant_leaves_user_me_at_once_and_the_next_refresh_while_the_issued_token_keeps_it(
    client: httpx.AsyncClient,
) -> None:
    assert (await register(client, "alice")).status_code == 201
    await give_roles(client)
    tokens = (await login(client, "alice", scope=ROLES_SCOPE)).json()
    for _ in range(2):  # the second answer comes from the cache
        assert (await me(client, tokens["access_token"]))["roles"] == EVERY_ROLE
    async with direct_writes(client):
        await UserRole.filter(role_id="auditor").delete()
    assert (await me(client, tokens["access_token"]))["roles"] == ["billing", "support"]
    assert claims(tokens["access_token"])["roles"] == EVERY_ROLE
    refreshed = (await refresh(client, tokens["refresh_token"])).json()
    assert refreshed["scope"] == "profile roles"
    assert claims(refreshed["access_token"])["roles"] == ["billing", "support"]


async def test_a_deleted_role_is_gone_from_groups_users_and_the_next_token(client: httpx.AsyncClient) -> None:
    assert (await register(client, "alice")).status_code == 201
    await give_roles(client)
    async with direct_writes(client):
        await UserRole.create(user=await User.get(username_key="alice"), role_id="billing")
    tokens = (await login(client, "alice", scope=ROLES_SCOPE)).json()
    await me(client, tokens["access_token"])
    async with direct_writes(client):
        await (await Role.get(name="billing")).delete()
    assert not await GroupRole.filter(role_id="billing").exists()
    assert not await UserRole.filter(role_id="billing").exists()
    assert (await me(client, tokens["access_token"]))["roles"] == ["auditor", "support"]
    refreshed = (await refresh(client, tokens["refresh_token"])).json()
    assert claims(refreshed["access_token"])["roles"] == ["auditor", "support"]


async def test_the_second_factor_step_carries_the_roles_the_password_request_asked_for(
    tmp_path: Path,
) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path), clock=clock) as (_, client):
        enrolled = await enrol(client, clock, (await logged_in(client))["access_token"])
        await give_roles(client)
        asked = await login(client, "alice", scope=ROLES_SCOPE)
        assert asked.status_code == 403, asked.text
        response = await second_step(client, asked.json()["mfa_token"], enrolled.code())
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "profile roles"
    assert claims(response.json()["access_token"])["roles"] == EVERY_ROLE


async def test_a_passkey_sign_in_asking_for_roles_carries_them(client: httpx.AsyncClient) -> None:
    token = (await logged_in(client))["access_token"]
    authenticator = Authenticator()
    assert (await add_passkey(client, token, authenticator)).status_code == 201
    await give_roles(client)
    started = await sign_in_options(client)
    form = {
        "grant_type": "passkey",
        "challenge_id": started["challenge_id"],
        "credential": json.dumps(authenticator.get(started["options"])),
        "scope": ROLES_SCOPE,
    }
    response = await client.post("/token", data=form)
    assert response.status_code == 200, response.text
    assert claims(response.json()["access_token"])["roles"] == EVERY_ROLE


async def test_introspection_shows_the_current_roles_of_a_token_with_the_scope(tmp_path: Path) -> None:
    async with admin_session(tmp_path) as admin:
        client = admin.client
        caller = await admin.create()
        assert (await register(client, "alice")).status_code == 201
        await give_roles(client)
        scoped = (await login(client, "alice", scope=ROLES_SCOPE)).json()
        plain = (await login(client, "alice")).json()
        answers = {
            name: (await introspect(client, caller, token)).json()
            for name, token in (
                ("access", scoped["access_token"]),
                ("refresh", scoped["refresh_token"]),
                ("plain", plain["access_token"]),
            )
        }
        async with direct_writes(client):
            await UserRole.filter(role_id="auditor").delete()
        changed = (await introspect(client, caller, scoped["access_token"])).json()
    assert answers["access"]["roles"] == answers["refresh"]["roles"] == EVERY_ROLE
    assert answers["plain"]["active"] is True and "roles" not in answers["plain"]
    assert changed["roles"] == ["billing", "support"]


async def test_asking_for_an_unknown_scope_beside_roles_is_still_invalid_scope(
    client: httpx.AsyncClient,
) -> None:
    assert (await register(client, "alice")).status_code == 201
    response = await login(client, "alice", scope="roles billing:read")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    refused = await login(client, "alice", scope="roles admin")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
