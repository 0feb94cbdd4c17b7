"""A cached `GET /user/me` answer is voided by every write to what it shows, whichever code path makes it, and
only for the users that write touched.

Each test warms the cache first and proves it: the user's row is changed behind the cache's back (raw SQL,
which nothing announces) and the answer stays as it was. Then a write goes through the services (roles, groups
and an app's allowed roles: straight through the models, as the administration API writes them), and the
next answer is the database's.
"""

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from jose import jwt
from tortoise.timezone import now

from api.db import changes, tracked
from api.db.models import Group, GroupMember, GroupRole, OAuthClient, Role, Session, User, UserRole

from .answers import Write, cached, me
from .conftest import PASSWORD, admin_token, bearer, login, make_settings, register, serve
from .live import run_py
from .test_answer_invalidation_roles import ROLE_WRITES


async def session_of(tokens: dict[str, str]) -> str:
    session_id: str = jwt.get_unverified_claims(tokens["access_token"])["sid"]
    return session_id


async def update_profile(client: httpx.AsyncClient, tokens: dict[str, str]) -> object:
    return await client.patch(
        "/user/me", json={"email": "alice@example.com"}, headers=bearer(tokens["access_token"])
    )


async def change_password(client: httpx.AsyncClient, tokens: dict[str, str]) -> object:
    body = {"current_password": PASSWORD, "new_password": "a-whole-new-Password-9"}
    return await client.post("/user/me/password", json=body, headers=bearer(tokens["access_token"]))


async def end_session(client: httpx.AsyncClient, tokens: dict[str, str]) -> object:
    url = f"/user/me/sessions/{await session_of(tokens)}"
    return await client.delete(url, headers=bearer(tokens["access_token"]))


async def log_out(client: httpx.AsyncClient, tokens: dict[str, str]) -> object:
    return await client.post("/logout", headers=bearer(tokens["access_token"]))


async def reuse_refresh_token(client: httpx.AsyncClient, tokens: dict[str, str]) -> object:
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert (await client.post("/token", data=form)).status_code == 200
    return await client.post("/token", data=form)  # reused: the session is revoked


async def admin_disables(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    alice = await User.get(username_key="alice")
    headers = bearer(await admin_token(client))
    return await client.patch(f"/users/{alice.id}", json={"disabled": True}, headers=headers)


async def admin_deletes(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    alice = await User.get(username_key="alice")
    return await client.delete(f"/users/{alice.id}", headers=bearer(await admin_token(client)))


# (model the answer depends on, a write to it through the services)
WRITES: list[tuple[type[Any], Write]] = [
    (User, update_profile),
    (User, change_password),
    (User, admin_disables),
    (User, admin_deletes),
    (Session, end_session),
    (Session, log_out),
    (Session, reuse_refresh_token),
]


def test_every_model_an_answer_depends_on_is_watched_and_has_a_write_tested() -> None:
    # the answer is the user's row, checked against the token's session (api/db/access_sql.py reads both), and
    # with the `roles` scope the user's roles (api/db/roles_sql.py) within the app's allowed roles
    assert set(tracked.WATCHED) == {User, Session, UserRole, GroupMember, GroupRole, Group, Role, OAuthClient}
    assert {model for model, _ in [*WRITES, *ROLE_WRITES]} == set(tracked.WATCHED)


@pytest.mark.parametrize(("model", "write"), WRITES, ids=[write.__name__ for _, write in WRITES])
async def test_a_write_through_the_services_voids_the_cached_answer(
    client: httpx.AsyncClient, model: type[Any], write: Write
) -> None:
    assert (await register(client, "alice")).status_code == 201
    tokens = (await login(client, "alice")).json()
    before = await cached(client, "alice", tokens["access_token"])
    await write(client, tokens)
    after = await me(client, tokens["access_token"])
    # the database's answer now: a refusal, or the row as it is (with the name changed behind the cache)
    assert after.status_code != 200 or after.json() != before, model.__name__
    if after.status_code == 200:
        assert str(after.json()["full_name"]).startswith("behind-")


async def test_a_write_voids_only_the_answers_of_the_users_it_touches(client: httpx.AsyncClient) -> None:
    for name in ("alice", "bob"):
        assert (await register(client, name)).status_code == 201
    alice = (await login(client, "alice")).json()
    bob = (await login(client, "bob")).json()
    alice_before = await cached(client, "alice", alice["access_token"])
    await cached(client, "bob", bob["access_token"])
    await update_profile(client, bob)
    assert (await me(client, alice["access_token"])).json() == alice_before
    assert str((await me(client, bob["access_token"])).json()["full_name"]).startswith("behind-")


async def test_a_command_line_write_voids_the_answers_of_a_running_service(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url=fresh_database_url)
    async with serve(settings) as (_, client):
        assert (await register(client, "alice")).status_code == 201
        tokens = (await login(client, "alice")).json()
        before = await cached(client, "alice", tokens["access_token"])
        assert before["is_admin"] is False
        promoted = await asyncio.to_thread(run_py, tmp_path, fresh_database_url, "create-admin", "alice")
        assert promoted.returncode == 0, promoted.stderr
        for _ in range(100):  # on PostgreSQL, the NOTIFY reaches the service's feed a moment later
            after = (await me(client, tokens["access_token"])).json()
            if after["is_admin"]:
                break
            await asyncio.sleep(0.05)
        assert after["is_admin"] is True


async def test_a_write_outside_any_tracking_fails_loudly(client: httpx.AsyncClient) -> None:
    assert (await register(client, "alice")).status_code == 201
    with pytest.raises(changes.UntrackedChange):
        await User.filter(username_key="alice").update(full_name="nobody announces this")
    # a write no answer reads needs no tracking
    alice = await User.get(username_key="alice")
    assert await Session.filter(user_id=alice.id).update(last_used_at=now()) == 0
