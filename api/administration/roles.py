"""An administrator's changes to roles and groups, each recorded with the administrator as actor in the
change's transaction."""

from tortoise.timezone import now

from api.db.models import Role
from api.db.transactions import writing
from api.services import groups, roles
from api.services.admin import Actor
from api.services.groups import GroupView


async def create_role(*, name: str, description: str | None, actor: Actor) -> Role:
    """Create a role other apps may authorize on."""
    async with writing():
        role = await roles.create(name=name, description=description, moment=now())
        await actor.record("role_created", role=role.name)
    return role


async def delete_role(name: str, *, actor: Actor) -> None:
    """Delete a role: every user and group that had it loses it."""
    async with writing():
        await roles.delete(name)
        await actor.record("role_deleted", role=name)


async def grant(*, user_id: int, role: str, actor: Actor) -> None:
    """Grant a user a role directly; granting it again changes (and records) nothing."""
    async with writing():
        if await roles.grant(user_id=user_id, role=role):
            await actor.record("role_granted", user_id=user_id, role=role)


async def revoke(*, user_id: int, role: str, actor: Actor) -> None:
    """Take a directly granted role from a user; roles held through a group stay."""
    async with writing():
        await roles.revoke(user_id=user_id, role=role)
        await actor.record("role_revoked", user_id=user_id, role=role)


async def create_group(*, name: str, role_names: list[str], actor: Actor) -> GroupView:
    """Create a group giving these roles to its members."""
    async with writing():
        group = await groups.create(name=name, role_names=role_names, moment=now())
        await actor.record("group_changed", outcome="created", group=group.name, roles=group.roles)
    return group


async def delete_group(name: str, *, actor: Actor) -> None:
    """Delete a group: its members lose the roles they held through it."""
    async with writing():
        await groups.delete(name)
        await actor.record("group_changed", outcome="deleted", group=name)


async def add_group_role(*, group: str, role: str, actor: Actor) -> None:
    """Make the group give a role to its members; adding it again changes (and records) nothing."""
    async with writing():
        if await groups.add_role(group=group, role=role):
            await actor.record("role_granted", group=group, role=role)


async def remove_group_role(*, group: str, role: str, actor: Actor) -> None:
    """Stop the group giving a role; members granted it directly keep it."""
    async with writing():
        await groups.remove_role(group=group, role=role)
        await actor.record("role_revoked", group=group, role=role)


async def add_member(*, group: str, user_id: int, actor: Actor) -> None:
    """Make a user a member of the group; adding them again changes (and records) nothing."""
    async with writing():
        if await groups.add_member(group=group, user_id=user_id):
            await actor.record("group_changed", outcome="member_added", user_id=user_id, group=group)


async def remove_member(*, group: str, user_id: int, actor: Actor) -> None:
    """Take a user out of the group."""
    async with writing():
        await groups.remove_member(group=group, user_id=user_id)
        await actor.record("group_changed", outcome="member_removed", user_id=user_id, group=group)
