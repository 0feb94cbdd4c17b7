"""A cached `GET /user/me` answer of a token with the `roles` scope is voided by every write to what its roles
come from: a grant, a membership, a group's roles, a group or a role deleted, an app's allowed roles. The
writes go straight through the models, as the administration API makes them; the cache is warmed and proved
as in `test_answer_invalidation.py`, which checks that every watched model has a write here or there.
"""

from typing import Any

import httpx
import pytest
from tortoise.timezone import now

from api.db.models import Group, GroupMember, GroupRole, OAuthClient, Role, User, UserRole

from .answers import Write, cached, me
from .conftest import direct_writes, login, register
from .roles import EVERY_ROLE, ROLES_SCOPE, give_roles


async def grant_role(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await UserRole.create(user=await User.get(username_key="alice"), role_id="spare")


async def take_role(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await UserRole.filter(role_id="auditor").delete()


async def take_role_row(client: httpx.AsyncClient, _tokens: dict[str, str]) -> None:
    async with direct_writes(client):
        await (await UserRole.get(role_id="auditor")).delete()


async def join_group(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await GroupMember.create(group_id="night", user=await User.get(username_key="alice"))


async def leave_group(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await GroupMember.filter(group_id="staff").delete()


async def add_group_role(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await GroupRole.create(group_id="staff", role_id="spare")


async def remove_group_role(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await GroupRole.filter(group_id="staff", role_id="billing").delete()


async def delete_group(client: httpx.AsyncClient, _tokens: dict[str, str]) -> None:
    async with direct_writes(client):
        await (await Group.get(name="staff")).delete()


async def delete_groups(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await Group.filter(name="staff").delete()


async def delete_role(client: httpx.AsyncClient, _tokens: dict[str, str]) -> None:
    async with direct_writes(client):
        await (await Role.get(name="billing")).delete()


async def delete_roles(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await Role.filter(name="billing").delete()


async def describe_role(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await Role.filter(name="billing").update(description="Sees the invoices")


async def narrow_an_apps_roles(client: httpx.AsyncClient, _tokens: dict[str, str]) -> object:
    async with direct_writes(client):
        return await OAuthClient.filter(client_id="notes").update(allowed_roles=["billing"])


async def roles_to_change(client: httpx.AsyncClient) -> None:
    """alice's roles (`auditor`, and `billing` and `support` through `staff`), a spare role, a group she
    is not in, and an app."""
    await give_roles(client)
    async with direct_writes(client):
        await Role.create(name="spare", created_at=now())
        await Group.create(name="night", created_at=now())
        await OAuthClient.create(
            client_id="notes",
            name="Notes",
            grant_types="authorization_code",
            scopes="openid roles",
            created_at=now(),
        )


# (model the roles of an answer depend on, a write to it)
ROLE_WRITES: list[tuple[type[Any], Write]] = [
    (UserRole, grant_role),
    (UserRole, take_role),
    (UserRole, take_role_row),
    (GroupMember, join_group),
    (GroupMember, leave_group),
    (GroupRole, add_group_role),
    (GroupRole, remove_group_role),
    (Group, delete_group),
    (Group, delete_groups),
    (Role, delete_role),
    (Role, delete_roles),
    (Role, describe_role),
    (OAuthClient, narrow_an_apps_roles),
]


@pytest.mark.parametrize(("model", "write"), ROLE_WRITES, ids=[write.__name__ for _, write in ROLE_WRITES])
async def test_a_write_to_roles_voids_the_cached_answer_of_a_roles_token(
    client: httpx.AsyncClient, model: type[Any], write: Write
) -> None:
    assert (await register(client, "alice")).status_code == 201
    await roles_to_change(client)
    tokens = (await login(client, "alice", scope=ROLES_SCOPE)).json()
    before = await cached(client, "alice", tokens["access_token"])
    assert before["roles"] == EVERY_ROLE
    await write(client, tokens)
    after = await me(client, tokens["access_token"])
    assert after.status_code == 200
    assert str(after.json()["full_name"]).startswith("behind-"), model.__name__
