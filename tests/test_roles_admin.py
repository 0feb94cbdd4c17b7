"""Roles and groups under the `admin` scope: the API, what a user holds, the audit lines and the commands."""

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.db import roles_sql
from api.db.models import Group, GroupMember, GroupRole, Role, User, UserRole

from .conftest import admin_token, bearer, login, make_settings, register, serve
from .live import run_py
from .test_audit import audit_lines

ROLE_NOT_FOUND = {"detail": "Role not found"}
GROUP_NOT_FOUND = {"detail": "Group not found"}
USER_NOT_FOUND = {"detail": "User not found"}


@dataclass(frozen=True)
class Admin:
    """The app under test and an administrator's bearer header."""

    client: httpx.AsyncClient
    headers: dict[str, str]

    async def call(self, method: str, path: str, json: Any = None) -> httpx.Response:
        return await self.client.request(method, path, json=json, headers=self.headers)

    async def role(self, name: str, description: str | None = None) -> None:
        response = await self.call("POST", "/roles", {"name": name, "description": description})
        assert response.status_code == 201, response.text

    async def group(self, name: str, *roles: str) -> None:
        response = await self.call("POST", "/groups", {"name": name, "roles": list(roles)})
        assert response.status_code == 201, response.text

    async def put(self, path: str) -> None:
        response = await self.call("PUT", path)
        assert response.status_code == 204, response.text

    async def user(self, username: str) -> int:
        response = await register(self.client, username)
        assert response.status_code == 201, response.text
        user_id: int = response.json()["id"]
        return user_id

    async def held(self, user_id: int) -> dict[str, list[str]]:
        response = await self.call("GET", f"/users/{user_id}/roles")
        assert response.status_code == 200, response.text
        body: dict[str, list[str]] = response.json()
        return body


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> Admin:
    return Admin(client=client, headers=bearer(await admin_token(client)))


# --- roles ---


async def test_roles_are_created_listed_by_name_and_deleted(admin: Admin) -> None:
    created = await admin.call("POST", "/roles", {"name": "support", "description": "Answers tickets"})
    assert created.status_code == 201
    assert created.json() == {"name": "support", "description": "Answers tickets"}
    await admin.role("billing-admin")
    listing = await admin.call("GET", "/roles")
    assert listing.status_code == 200
    assert listing.json() == [
        {"name": "billing-admin", "description": None},
        {"name": "support", "description": "Answers tickets"},
    ]
    assert (await admin.call("DELETE", "/roles/support")).status_code == 204
    assert [role["name"] for role in (await admin.call("GET", "/roles")).json()] == ["billing-admin"]
    again = await admin.call("DELETE", "/roles/support")
    assert again.status_code == 404 and again.json() == ROLE_NOT_FOUND


async def test_a_taken_role_name_is_409(admin: Admin) -> None:
    await admin.role("support", "first")
    response = await admin.call("POST", "/roles", {"name": "support", "description": "second"})
    assert response.status_code == 409
    assert response.json() == {"detail": "A role with this name exists"}
    assert (await Role.get(name="support")).description == "first"


@pytest.mark.parametrize("name", ["Support", "-support", "sup port", "a" * 65, "", "nul\x00", "é", "x\n"])
@pytest.mark.parametrize("path", ["/roles", "/groups"])
async def test_a_name_that_is_not_a_slug_is_422(admin: Admin, path: str, name: str) -> None:
    response = await admin.call("POST", path, {"name": name})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
    assert await Role.all().count() == 0 and await Group.all().count() == 0


@pytest.mark.parametrize("name", ["a", "billing-admin", "app:orders.read", "x_1", "9" + "z" * 63])
async def test_slugs_with_dots_colons_dashes_and_underscores_are_names(admin: Admin, name: str) -> None:
    await admin.role(name)
    assert [role["name"] for role in (await admin.call("GET", "/roles")).json()] == [name]


@pytest.mark.parametrize("name", ["Support", "a" * 5000, "nul%00", "%C3%A9"])
@pytest.mark.parametrize("path", ["/roles/{name}", "/groups/{name}", "/users/1/roles/{name}"])
async def test_a_name_in_the_path_that_is_not_a_slug_is_422(admin: Admin, path: str, name: str) -> None:
    response = await admin.call("DELETE", path.format(name=name))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "path"


# --- groups ---


async def test_a_group_is_created_with_its_roles_sorted_once_and_read_back(admin: Admin) -> None:
    await admin.role("support")
    await admin.role("billing")
    created = await admin.call(
        "POST", "/groups", {"name": "helpdesk", "roles": ["support", "billing", "support"]}
    )
    assert created.status_code == 201
    assert created.json() == {"name": "helpdesk", "roles": ["billing", "support"], "members": []}
    await admin.group("empty")
    one = await admin.call("GET", "/groups/helpdesk")
    assert one.status_code == 200 and one.json() == created.json()
    listing = await admin.call("GET", "/groups")
    assert listing.status_code == 200
    assert listing.json() == [
        {"name": "empty", "roles": [], "members": []},
        {"name": "helpdesk", "roles": ["billing", "support"], "members": []},
    ]


async def test_a_group_naming_an_unknown_role_is_422_and_nothing_is_made(admin: Admin) -> None:
    await admin.role("support")
    response = await admin.call("POST", "/groups", {"name": "helpdesk", "roles": ["support", "ghost"]})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "roles"] and "ghost" in problem["msg"]
    assert await Group.all().count() == 0 and await GroupRole.all().count() == 0
    assert (await admin.call("GET", "/groups/helpdesk")).status_code == 404


async def test_a_taken_group_name_is_409(admin: Admin) -> None:
    await admin.group("helpdesk")
    response = await admin.call("POST", "/groups", {"name": "helpdesk"})
    assert response.status_code == 409
    assert response.json() == {"detail": "A group with this name exists"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/groups/ghost"),
        ("DELETE", "/groups/ghost"),
        ("PUT", "/groups/ghost/roles/support"),
        ("DELETE", "/groups/ghost/roles/support"),
        ("PUT", "/groups/ghost/members/1"),
        ("DELETE", "/groups/ghost/members/1"),
    ],
)
async def test_an_unknown_group_is_404(admin: Admin, method: str, path: str) -> None:
    await admin.role("support")
    response = await admin.call(method, path)
    assert response.status_code == 404
    assert response.json() == GROUP_NOT_FOUND


async def test_a_groups_role_is_added_idempotently_and_removed_once(admin: Admin) -> None:
    await admin.role("support")
    await admin.group("helpdesk")
    await admin.put("/groups/helpdesk/roles/support")
    await admin.put("/groups/helpdesk/roles/support")
    assert (await admin.call("GET", "/groups/helpdesk")).json()["roles"] == ["support"]
    assert (await admin.call("DELETE", "/groups/helpdesk/roles/support")).status_code == 204
    assert (await admin.call("GET", "/groups/helpdesk")).json()["roles"] == []
    again = await admin.call("DELETE", "/groups/helpdesk/roles/support")
    assert again.status_code == 404
    assert again.json() == {"detail": "The group does not have this role"}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_an_unknown_role_of_a_group_is_404(admin: Admin, method: str) -> None:
    await admin.group("helpdesk")
    response = await admin.call(method, "/groups/helpdesk/roles/ghost")
    assert response.status_code == 404 and response.json() == ROLE_NOT_FOUND
    assert await GroupRole.all().count() == 0


async def test_members_are_added_idempotently_and_removed_once(admin: Admin) -> None:
    await admin.group("helpdesk")
    bob, carol = await admin.user("bob"), await admin.user("carol")
    for user_id in (carol, bob, bob):
        await admin.put(f"/groups/helpdesk/members/{user_id}")
    assert (await admin.call("GET", "/groups/helpdesk")).json()["members"] == sorted([bob, carol])
    assert (await admin.call("DELETE", f"/groups/helpdesk/members/{bob}")).status_code == 204
    assert (await admin.call("GET", "/groups/helpdesk")).json()["members"] == [carol]
    again = await admin.call("DELETE", f"/groups/helpdesk/members/{bob}")
    assert again.status_code == 404
    assert again.json() == {"detail": "The user is not a member of this group"}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_an_unknown_member_is_404(admin: Admin, method: str) -> None:
    await admin.group("helpdesk")
    response = await admin.call(method, "/groups/helpdesk/members/999999")
    assert response.status_code == 404 and response.json() == USER_NOT_FOUND
    assert await GroupMember.all().count() == 0


# --- a user's roles ---


async def test_a_direct_role_is_granted_idempotently_and_revoked_once(admin: Admin) -> None:
    await admin.role("support")
    bob = await admin.user("bob")
    await admin.put(f"/users/{bob}/roles/support")
    await admin.put(f"/users/{bob}/roles/support")
    assert await admin.held(bob) == {"roles": ["support"], "direct": ["support"], "groups": []}
    assert (await admin.call("DELETE", f"/users/{bob}/roles/support")).status_code == 204
    assert await admin.held(bob) == {"roles": [], "direct": [], "groups": []}
    again = await admin.call("DELETE", f"/users/{bob}/roles/support")
    assert again.status_code == 404
    assert again.json() == {"detail": "The user does not have this role directly"}


@pytest.mark.parametrize(
    ("method", "path", "answer"),
    [
        ("PUT", "/users/{bob}/roles/ghost", ROLE_NOT_FOUND),
        ("DELETE", "/users/{bob}/roles/ghost", ROLE_NOT_FOUND),
        ("PUT", "/users/999999/roles/support", USER_NOT_FOUND),
        ("DELETE", "/users/999999/roles/support", USER_NOT_FOUND),
        ("GET", "/users/999999/roles", USER_NOT_FOUND),
    ],
)
async def test_an_unknown_user_or_role_is_404(admin: Admin, method: str, path: str, answer: Any) -> None:
    await admin.role("support")
    bob = await admin.user("bob")
    response = await admin.call(method, path.format(bob=bob))
    assert response.status_code == 404 and response.json() == answer
    assert await UserRole.all().count() == 0


async def test_effective_roles_merge_direct_ones_and_two_overlapping_groups(admin: Admin) -> None:
    for name in ("billing", "support", "audit", "ops", "unused"):
        await admin.role(name)
    await admin.group("helpdesk", "support", "billing")
    await admin.group("finance", "billing", "audit")
    await admin.group("other", "unused")
    bob, carol = await admin.user("bob"), await admin.user("carol")
    await admin.put(f"/users/{bob}/roles/support")
    await admin.put(f"/users/{bob}/roles/ops")
    await admin.put(f"/groups/helpdesk/members/{bob}")
    await admin.put(f"/groups/finance/members/{bob}")
    await admin.put(f"/groups/other/members/{carol}")
    assert await admin.held(bob) == {
        "roles": ["audit", "billing", "ops", "support"],
        "direct": ["ops", "support"],
        "groups": ["finance", "helpdesk"],
    }
    assert await admin.held(carol) == {"roles": ["unused"], "direct": [], "groups": ["other"]}


async def test_effective_roles_are_read_in_one_query(admin: Admin, caplog: pytest.LogCaptureFixture) -> None:
    await admin.role("support")
    await admin.role("billing")
    await admin.group("helpdesk", "billing")
    bob = await admin.user("bob")
    await admin.put(f"/users/{bob}/roles/support")
    await admin.put(f"/groups/helpdesk/members/{bob}")
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    caplog.clear()
    assert await roles_sql.effective_roles(bob) == ["billing", "support"]
    queries = [record for record in caplog.records if record.name == "tortoise.db_client"]
    assert len(queries) == 1, [record.getMessage() for record in queries]


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [(None, ["audit", "billing", "support"]), (["billing", "ops"], ["billing"]), ([], [])],
)
async def test_an_apps_roles_are_read_within_its_allowed_roles_in_the_same_one_query(
    admin: Admin, caplog: pytest.LogCaptureFixture, allowed: list[str] | None, expected: list[str]
) -> None:
    for name in ("support", "billing", "audit"):
        await admin.role(name)
    await admin.group("helpdesk", "billing", "audit")
    bob = await admin.user("bob")
    await admin.put(f"/users/{bob}/roles/support")
    await admin.put(f"/groups/helpdesk/members/{bob}")
    body = {"name": "Notes", "grant_types": ["client_credentials"], "scopes": [], "allowed_roles": allowed}
    created = await admin.call("POST", "/clients", body)
    assert created.status_code == 201, created.text
    client_id = created.json()["client_id"]
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    caplog.clear()
    found = await roles_sql.effective_roles(bob, client_id=client_id)
    queries = [record for record in caplog.records if record.name == "tortoise.db_client"]
    assert len(queries) == 1, [record.getMessage() for record in queries]
    assert found == expected, [record.getMessage() for record in queries]
    assert await roles_sql.effective_roles(bob, client_id="gone") == []


async def test_a_deleted_role_is_gone_from_groups_and_users(admin: Admin) -> None:
    await admin.role("support")
    await admin.role("billing")
    await admin.group("helpdesk", "support", "billing")
    bob = await admin.user("bob")
    await admin.put(f"/users/{bob}/roles/support")
    await admin.put(f"/groups/helpdesk/members/{bob}")
    assert (await admin.call("DELETE", "/roles/support")).status_code == 204
    assert (await admin.call("GET", "/groups/helpdesk")).json()["roles"] == ["billing"]
    assert await admin.held(bob) == {"roles": ["billing"], "direct": [], "groups": ["helpdesk"]}
    assert await UserRole.all().count() == 0


async def test_a_deleted_group_takes_its_roles_from_its_members(admin: Admin) -> None:
    await admin.role("support")
    await admin.role("billing")
    await admin.group("helpdesk", "support", "billing")
    bob = await admin.user("bob")
    await admin.put(f"/users/{bob}/roles/billing")
    await admin.put(f"/groups/helpdesk/members/{bob}")
    assert (await admin.call("DELETE", "/groups/helpdesk")).status_code == 204
    assert await admin.held(bob) == {"roles": ["billing"], "direct": ["billing"], "groups": []}
    assert (await admin.call("GET", "/groups")).json() == []
    assert await GroupMember.all().count() == 0 and await GroupRole.all().count() == 0


async def test_revoking_a_direct_role_leaves_the_same_role_held_through_a_group(admin: Admin) -> None:
    await admin.role("support")
    await admin.group("helpdesk", "support")
    bob = await admin.user("bob")
    await admin.put(f"/users/{bob}/roles/support")
    await admin.put(f"/groups/helpdesk/members/{bob}")
    assert (await admin.call("DELETE", f"/users/{bob}/roles/support")).status_code == 204
    assert await admin.held(bob) == {"roles": ["support"], "direct": [], "groups": ["helpdesk"]}


# --- who may ---

EVERY_OPERATION = [
    ("POST", "/roles", {"name": "support"}),
    ("GET", "/roles", None),
    ("DELETE", "/roles/support", None),
    ("POST", "/groups", {"name": "helpdesk"}),
    ("GET", "/groups", None),
    ("GET", "/groups/helpdesk", None),
    ("DELETE", "/groups/helpdesk", None),
    ("PUT", "/groups/helpdesk/roles/support", None),
    ("DELETE", "/groups/helpdesk/roles/support", None),
    ("PUT", "/groups/helpdesk/members/1", None),
    ("DELETE", "/groups/helpdesk/members/1", None),
    ("PUT", "/users/1/roles/support", None),
    ("DELETE", "/users/1/roles/support", None),
    ("GET", "/users/1/roles", None),
]


@pytest.mark.parametrize(("method", "path", "body"), EVERY_OPERATION)
async def test_a_user_who_is_not_an_admin_gets_403(
    client: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    await register(client, "alice")
    token = (await login(client, "alice")).json()["access_token"]
    response = await client.request(method, path, json=body, headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == {"detail": "Not enough permissions"}
    assert await Role.all().count() == 0 and await Group.all().count() == 0


@pytest.mark.parametrize(("method", "path", "body"), EVERY_OPERATION)
async def test_an_anonymous_caller_gets_401(
    client: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    response = await client.request(method, path, json=body)
    assert response.status_code == 401
    assert await Role.all().count() == 0 and await Group.all().count() == 0


# --- the audit log ---


async def test_every_change_of_roles_and_groups_is_audited_with_the_admin(
    admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="api.audit")
    admin_id = (await admin.call("GET", "/user/me")).json()["id"]
    bob = await admin.user("bob")
    caplog.clear()
    await admin.role("support")
    await admin.group("helpdesk")
    await admin.put("/groups/helpdesk/roles/support")
    await admin.put("/groups/helpdesk/roles/support")  # changes nothing: no line
    await admin.put(f"/groups/helpdesk/members/{bob}")
    await admin.put(f"/users/{bob}/roles/support")
    await admin.call("DELETE", f"/users/{bob}/roles/support")
    await admin.call("DELETE", f"/groups/helpdesk/members/{bob}")
    await admin.call("DELETE", "/groups/helpdesk/roles/support")
    await admin.call("DELETE", "/groups/helpdesk")
    await admin.call("DELETE", "/roles/support")
    lines = audit_lines(caplog)
    assert [
        (line["event"], line["outcome"], line["user_id"], line.get("group"), line.get("role"))
        for line in lines
    ] == [
        ("role_created", "success", None, None, "support"),
        ("group_changed", "created", None, "helpdesk", None),
        ("role_granted", "success", None, "helpdesk", "support"),
        ("group_changed", "member_added", bob, "helpdesk", None),
        ("role_granted", "success", bob, None, "support"),
        ("role_revoked", "success", bob, None, "support"),
        ("group_changed", "member_removed", bob, "helpdesk", None),
        ("role_revoked", "success", None, "helpdesk", "support"),
        ("group_changed", "deleted", None, "helpdesk", None),
        ("role_deleted", "success", None, None, "support"),
    ]
    assert all(line["by"] == admin_id and line["ip"] == "127.0.0.1" for line in lines)


# --- clients ---


async def test_allowed_roles_round_trip_through_the_clients_api(admin: Admin) -> None:
    base = {"name": "billing", "grant_types": ["client_credentials"], "scopes": ["profile"]}
    everything = await admin.call("POST", "/clients", base)
    assert everything.status_code == 201 and everything.json()["allowed_roles"] is None
    created = await admin.call(
        "POST", "/clients", {**base, "allowed_roles": ["support", "billing", "support"]}
    )
    assert created.status_code == 201
    assert created.json()["allowed_roles"] == ["billing", "support"]
    client_id = created.json()["client_id"]
    path = f"/clients/{client_id}"
    assert (await admin.call("GET", path)).json()["allowed_roles"] == ["billing", "support"]
    changed = await admin.call("PATCH", path, {"allowed_roles": ["audit"]})
    assert changed.status_code == 200 and changed.json()["allowed_roles"] == ["audit"]
    renamed = await admin.call("PATCH", path, {"name": "billing v2"})
    assert renamed.json()["allowed_roles"] == ["audit"]
    reset = await admin.call("PATCH", path, {"allowed_roles": None})
    assert reset.status_code == 200 and reset.json()["allowed_roles"] is None
    listing = (await admin.call("GET", "/clients")).json()
    assert [client["allowed_roles"] for client in listing] == [None, None]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_allowed_roles_that_are_not_slugs_are_422(admin: Admin, method: str) -> None:
    base = {"name": "billing", "grant_types": ["client_credentials"], "scopes": ["profile"]}
    created = await admin.call("POST", "/clients", base)
    path = "/clients" if method == "POST" else f"/clients/{created.json()['client_id']}"
    response = await admin.call(method, path, {**base, "allowed_roles": ["Billing Admin"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "allowed_roles"]


# --- the commands ---


@pytest.fixture
async def bob_on_disk(tmp_path: Path, fresh_database_url: str) -> AsyncIterator[str]:
    """A database with the user bob in it; its URL."""
    async with serve(make_settings(tmp_path, database_url=fresh_database_url)) as (_, client):
        assert (await register(client, "bob")).status_code == 201
    yield fresh_database_url


async def test_add_role_and_grant_role_commands_give_a_user_a_role(tmp_path: Path, bob_on_disk: str) -> None:
    added = run_py(tmp_path, bob_on_disk, "add-role", "billing-admin", "--description", "Refunds")
    assert added.returncode == 0, added.stderr
    assert "created role billing-admin" in added.stdout
    granted = run_py(tmp_path, bob_on_disk, "grant-role", "BOB", "billing-admin")
    assert granted.returncode == 0, granted.stderr
    assert "granted role billing-admin to bob" in granted.stdout
    again = run_py(tmp_path, bob_on_disk, "grant-role", "bob", "billing-admin")
    assert again.returncode == 0 and "bob already has role billing-admin" in again.stdout
    async with serve(make_settings(tmp_path, database_url=bob_on_disk)) as (_, client):
        admin = Admin(client=client, headers=bearer(await admin_token(client)))
        assert (await admin.call("GET", "/roles")).json() == [
            {"name": "billing-admin", "description": "Refunds"}
        ]
        bob = (await User.get(username_key="bob")).id
        assert (await admin.held(bob))["direct"] == ["billing-admin"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add-role", "Billing Admin"], "name: String should match pattern"),
        (["add-role", "taken"], "a role named taken exists"),
        (["grant-role", "nobody", "taken"], "no user named nobody"),
        (["grant-role", "bob", "ghost"], "no role named ghost"),
    ],
)
async def test_role_commands_refuse_with_a_message_and_exit_1(
    tmp_path: Path, bob_on_disk: str, args: list[str], message: str
) -> None:
    assert run_py(tmp_path, bob_on_disk, "add-role", "taken").returncode == 0
    result = run_py(tmp_path, bob_on_disk, *args)
    assert result.returncode == 1
    assert f"error: {message}" in result.stderr
    assert "Traceback" not in result.stderr
