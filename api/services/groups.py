"""Groups: each gives its members every one of its roles. Created, listed and deleted by administrators,
who add and remove its roles and members.

A group deleted takes its roles from its members (the memberships cascade). The data layer notes whose cached
answers each write changes (`api/db/tracked.py`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from api.db.models import Group, GroupMember, GroupRole
from api.db.transactions import writing
from api.errors import GroupNotFound, GroupRoleNotFound, GroupTaken, MembershipNotFound
from api.services import roles


@dataclass(frozen=True, slots=True)
class GroupView:
    """A group: its name, the roles it gives and its members' user ids, both sorted."""

    name: str
    roles: list[str]
    members: list[int]


async def create(*, name: str, role_names: list[str], moment: datetime) -> GroupView:
    """A new group giving these roles; GroupTaken when the name is in use, UnknownRoles for a role nobody
    created (and then nothing is made)."""
    wanted = sorted(set(role_names))
    async with writing():
        if await Group.exists(name=name):
            raise GroupTaken
        await roles.require_all(wanted, field="roles")
        try:
            group = await Group.create(name=name, created_at=moment)
        except IntegrityError:  # the same name, created meanwhile by another request
            raise GroupTaken from None
        for role in wanted:
            await GroupRole.create(group=group, role_id=role)
    return GroupView(name=name, roles=wanted, members=[])


async def every() -> list[GroupView]:
    """Every group, by name."""
    names: list[str] = [name for (name,) in await Group.all().order_by("name").values_list("name")]
    given: defaultdict[str, list[str]] = defaultdict(list)
    for group, role in await GroupRole.all().order_by("role_id").values_list("group_id", "role_id"):
        given[group].append(role)
    members: defaultdict[str, list[int]] = defaultdict(list)
    for group, user_id in await GroupMember.all().order_by("user_id").values_list("group_id", "user_id"):
        members[group].append(user_id)
    return [GroupView(name=name, roles=given[name], members=members[name]) for name in names]


async def get(name: str) -> GroupView:
    """The group with this name."""
    await require(name)
    given = await GroupRole.filter(group_id=name).order_by("role_id").values_list("role_id")
    members = await GroupMember.filter(group_id=name).order_by("user_id").values_list("user_id")
    return GroupView(name=name, roles=[role for (role,) in given], members=[user for (user,) in members])


async def delete(name: str) -> None:
    """Delete a group: its members lose the roles they held through it."""
    if not await Group.filter(name=name).delete():
        raise GroupNotFound


async def require(name: str) -> None:
    """GroupNotFound unless the group exists."""
    if not await Group.exists(name=name):
        raise GroupNotFound


async def add_role(*, group: str, role: str) -> bool:
    """Make the group give a role to its members; whether it did not already."""

    async def ends() -> None:
        await require(group)
        await roles.require(role)

    return await roles.link(GroupRole, ends=ends, group_id=group, role_id=role)


async def remove_role(*, group: str, role: str) -> None:
    """Stop the group giving a role (members granted it directly keep it)."""
    if not await GroupRole.filter(group_id=group, role_id=role).delete():
        await require(group)
        await roles.require(role)
        raise GroupRoleNotFound


async def add_member(*, group: str, user_id: int) -> bool:
    """Make a user a member of the group; whether they were not already."""

    async def ends() -> None:
        await require(group)
        await roles.require_user(user_id)

    return await roles.link(GroupMember, ends=ends, group_id=group, user_id=user_id)


async def remove_member(*, group: str, user_id: int) -> None:
    """Take a user out of the group."""
    if not await GroupMember.filter(group_id=group, user_id=user_id).delete():
        await require(group)
        await roles.require_user(user_id)
        raise MembershipNotFound
