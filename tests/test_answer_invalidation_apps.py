"""Introspection's and `/userinfo`'s cached answers are voided by what ends or changes them: a logout, a
revoked consent, a disabled user, a role taken or an app's allowed roles changed; a rotated client
secret stops working at once. Each answer is first proved to come from the cache (a write
behind it does not show)."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from tortoise import connections

from api.db.models import GroupRole, User

from .app_world import World, world
from .conftest import bearer, direct_writes
from .oidc import Provider, provider
from .roles import allow_roles
from .test_introspection import basic

Fetch = Callable[[], Awaitable[httpx.Response]]


async def _behind_the_cache(column: str, value: str) -> None:
    """Change alice's row with raw SQL, which no tracking sees."""
    client = connections.get("default")
    mark = "$1" if client.capabilities.dialect == "postgres" else "?"
    await client.execute_query(
        f'UPDATE "users" SET "{column}" = {mark} WHERE "username_key" = {mark.replace("1", "2")}',
        [value, "alice"],
    )


async def _cached(fetch: Fetch, column: str) -> bytes:
    """The answer, once the cache gives it (PostgreSQL's feed must be listening first)."""
    for attempt in range(100):
        await _behind_the_cache(column, f"before{attempt}")
        first = await fetch()
        await _behind_the_cache(column, f"behind{attempt}")
        second = await fetch()
        assert first.status_code == 200, first.text
        if second.content == first.content:
            return first.content
        await asyncio.sleep(0.05)
    pytest.fail("the answer was never cached")


@pytest.fixture
async def alice(tmp_path: Path, fresh_database_url: str) -> AsyncIterator[tuple[Provider, World]]:
    async with provider(tmp_path, database_url=fresh_database_url) as p:
        yield p, await world(p)


def _introspect(p: Provider, w: World, token: str) -> Fetch:
    return lambda: p.client.post("/token/introspect", data={"token": token}, headers=w.resource)


def _userinfo(p: Provider, token: str) -> Fetch:
    return lambda: p.client.get("/userinfo", headers=bearer(token))


async def _both_cached(p: Provider, w: World, token: str) -> tuple[bytes, bytes]:
    return await _cached(_introspect(p, w, token), "username"), await _cached(
        _userinfo(p, token), "full_name"
    )


async def test_a_logged_out_token_is_inactive_at_once(alice: tuple[Provider, World]) -> None:
    p, w = alice
    token = w.tokens["own token"]
    assert b'"active":true' in await _cached(_introspect(p, w, token), "username")
    assert (await p.client.post("/logout", headers=bearer(token))).status_code == 204
    assert (await _introspect(p, w, token)()).json() == {"active": False}


async def test_a_revoked_consent_ends_the_apps_answers_at_once(alice: tuple[Provider, World]) -> None:
    p, w = alice
    token = w.tokens["app token"]
    await _both_cached(p, w, token)
    forgotten = await p.client.delete(
        f"/user/me/consents/{w.app.client_id}", headers=bearer(w.tokens["own token"])
    )
    assert forgotten.status_code == 204, forgotten.text
    assert (await _introspect(p, w, token)()).json() == {"active": False}
    assert (await _userinfo(p, token)()).status_code == 401


async def test_a_disabled_user_is_inactive_at_once(alice: tuple[Provider, World]) -> None:
    p, w = alice
    token = w.tokens["app token"]
    await _both_cached(p, w, token)
    async with direct_writes(p.client):
        await User.filter(username_key="alice").update(disabled=True)
    assert (await _introspect(p, w, token)()).json() == {"active": False}
    assert (await _userinfo(p, token)()).status_code == 400


async def test_a_role_taken_or_an_apps_allowed_roles_changed_show_at_once(
    alice: tuple[Provider, World],
) -> None:
    p, w = alice
    token = w.tokens["app token"]
    introspected, claims = await _both_cached(p, w, token)
    assert b'"roles":["billing","support"]' in introspected and b'"roles":["billing","support"]' in claims
    async with direct_writes(p.client):
        await GroupRole.filter(group_id="staff", role_id="billing").delete()
    assert (await _introspect(p, w, token)()).json()["roles"] == ["support"]
    assert (await _userinfo(p, token)()).json()["roles"] == ["support"]
    await _both_cached(p, w, token)
    await allow_roles(p.client, w.app.client_id, [])
    assert (await _introspect(p, w, token)()).json()["roles"] == []
    assert (await _userinfo(p, token)()).json()["roles"] == []


async def test_a_rotated_secret_stops_working_at_once(alice: tuple[Provider, World]) -> None:
    p, w = alice
    await _cached(_introspect(p, w, w.tokens["app token"]), "username")
    rotated = await p.client.post(f"/clients/{w.resource_id}/secret", headers=p.admin)
    assert rotated.status_code == 200, rotated.text
    stale = await _introspect(p, w, w.tokens["app token"])()
    assert stale.status_code == 401 and stale.json()["error"] == "invalid_client"
    fresh = basic(w.resource_id, rotated.json()["client_secret"])
    answer = await p.client.post("/token/introspect", data={"token": w.tokens["app token"]}, headers=fresh)
    assert answer.status_code == 200 and answer.json()["active"] is True


async def test_a_known_client_with_a_wrong_secret_is_refused(alice: tuple[Provider, World]) -> None:
    p, w = alice
    await _cached(_introspect(p, w, w.tokens["app token"]), "username")
    wrong = basic(w.resource_id, w.resource_secret[:-1] + ("x" if w.resource_secret[-1] != "x" else "y"))
    answer = await p.client.post("/token/introspect", data={"token": w.tokens["app token"]}, headers=wrong)
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    again = await _introspect(p, w, w.tokens["app token"])()
    assert again.status_code == 200 and again.json()["active"] is True
