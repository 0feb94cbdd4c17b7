"""Roles and groups as the roles' tests need them, made straight through the models (the administration API
is another part's), and what a token or an answer says of them."""

from typing import Any

import httpx
import jwt
from tortoise.timezone import now

from api.db.models import Group, GroupMember, GroupRole, OAuthClient, Role, User, UserRole

from .conftest import bearer, direct_writes

# alice's effective roles after `give_roles`: `auditor` directly, `billing` and `support` through `staff`
EVERY_ROLE = ["auditor", "billing", "support"]
ROLES_SCOPE = "profile roles"


async def give_roles(client: httpx.AsyncClient, username: str = "alice") -> None:
    """`username` holds `auditor` directly, and `billing` and `support` as a member of the group `staff`."""
    user = await User.get(username_key=username)
    moment = now()
    async with direct_writes(client):
        for name in EVERY_ROLE:
            await Role.get_or_create(name=name, defaults={"created_at": moment})
        staff, _ = await Group.get_or_create(name="staff", defaults={"created_at": moment})
        for name in ("billing", "support"):
            await GroupRole.get_or_create(group=staff, role_id=name)
        await GroupMember.create(group=staff, user=user)
        await UserRole.create(user=user, role_id="auditor")


async def allow_roles(client: httpx.AsyncClient, client_id: str, allowed: list[str] | None) -> None:
    """Set an app's `allowed_roles` (None: every role)."""
    async with direct_writes(client):
        app = await OAuthClient.get(client_id=client_id)
        app.allowed_roles = allowed
        await app.save(update_fields=["allowed_roles"])


def claims(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified (other tests check the signatures)."""
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


async def me(client: httpx.AsyncClient, access_token: str) -> dict[str, Any]:
    """`GET /user/me`'s answer for this token (asserting a 200)."""
    response = await client.get("/user/me", headers=bearer(access_token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
