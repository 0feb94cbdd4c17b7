"""Roles: created, listed and deleted by administrators, granted to users directly; what a user holds.

A role deleted is taken from every user and group at once (the links cascade). The data layer notes whose
cached answers each write changes (`api/db/tracked.py`), so nothing here invalidates anything.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from api.db import roles_sql
from api.db.models import GroupMember, Role, User, UserRole
from api.db.transactions import writing
from api.errors import GrantNotFound, RoleNotFound, RoleTaken, UnknownRoles, UserNotFound


@dataclass(frozen=True, slots=True)
class UserRoles:
    """What a user holds: every role (direct and through groups, sorted), the direct grants, the groups."""

    roles: list[str]
    direct: list[str]
    groups: list[str]


async def create(*, name: str, description: str | None, moment: datetime) -> Role:
    """A new role; RoleTaken when the name is in use."""
    if await Role.exists(name=name):
        raise RoleTaken
    try:
        return await Role.create(name=name, description=description, created_at=moment)
    except IntegrityError:  # the same name, created meanwhile by another request
        raise RoleTaken from None


async def every() -> list[Role]:
    """Every role, by name."""
    return await Role.all().order_by("name")


async def delete(name: str) -> None:
    """Delete a role: every user and group that had it loses it."""
    if not await Role.filter(name=name).delete():
        raise RoleNotFound


async def require(name: str) -> None:
    """RoleNotFound unless the role exists."""
    if not await Role.exists(name=name):
        raise RoleNotFound


async def require_all(names: list[str], *, field: str) -> None:
    """UnknownRoles (422 for the body's `field`) unless every role exists; they stay until the transaction
    ends (PostgreSQL locks them), so none is deleted before the links to them are made."""
    if not names:
        return
    found = {name for (name,) in await Role.filter(name__in=names).select_for_update().values_list("name")}
    if missing := [name for name in names if name not in found]:
        raise UnknownRoles(f"Unknown role: {' '.join(missing)}", field=field)


async def require_user(user_id: int) -> None:
    """UserNotFound unless the account exists."""
    if not await User.exists(id=user_id):
        raise UserNotFound


async def link(model: type[Model], *, ends: Callable[[], Awaitable[None]], **keys: Any) -> bool:
    """Make a link row (a grant, a membership, a group's role) unless it exists; whether it was made.

    `ends` raises the not-found error of whichever end is missing; it runs first, and again when the insert
    fails, to tell a link made meanwhile (idempotent: not made here) from an end deleted meanwhile.
    """
    await ends()
    if await model.exists(**keys):
        return False
    try:
        # a savepoint: in a caller's transaction (PostgreSQL's), a failed insert would abort the whole of it
        async with writing():
            await model.create(**keys)
    except IntegrityError:
        if await model.exists(**keys):
            return False
        await ends()
        raise
    return True


async def grant(*, user_id: int, role: str) -> bool:
    """Grant a user a role directly; whether they lacked that grant."""

    async def ends() -> None:
        await require_user(user_id)
        await require(role)

    return await link(UserRole, ends=ends, user_id=user_id, role_id=role)


async def revoke(*, user_id: int, role: str) -> None:
    """Take a directly granted role from a user (a group's roles stay with its members)."""
    if not await UserRole.filter(user_id=user_id, role_id=role).delete():
        await require_user(user_id)
        await require(role)
        raise GrantNotFound


async def of_user(user_id: int) -> UserRoles:
    """What the user holds: every role, the direct grants, and the groups."""
    await require_user(user_id)
    direct = await UserRole.filter(user_id=user_id).order_by("role_id").values_list("role_id")
    groups = await GroupMember.filter(user_id=user_id).order_by("group_id").values_list("group_id")
    return UserRoles(
        roles=await roles_sql.effective_roles(user_id),
        direct=[role for (role,) in direct],
        groups=[group for (group,) in groups],
    )
