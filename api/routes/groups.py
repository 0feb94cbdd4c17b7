"""Groups (scope `admin`): each gives its members every one of its roles."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from tortoise.timezone import now

from api.http.deps import AdminUser, Source
from api.observability import audit
from api.routes.responses import AUTHENTICATED
from api.schemas.common import Text
from api.schemas.roles import SLUG_MAX_LENGTH, SLUG_PATTERN, GroupCreate, GroupOut
from api.services import groups
from api.services.groups import GroupView

router = APIRouter(prefix="/groups", tags=["roles"], responses=AUTHENTICATED)

Name = Annotated[Text, Path(max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN)]
# ids are 32-bit integers in the database: anything else is a 422, not a database error
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]

Responses = dict[int | str, dict[str, Any]]
GROUP_NOT_FOUND: Responses = {status.HTTP_404_NOT_FOUND: {"description": "Group not found"}}
ROLE_LINK: Responses = {status.HTTP_404_NOT_FOUND: {"description": "Group or role not found"}}
ROLE_LINK_GONE: Responses = {
    status.HTTP_404_NOT_FOUND: {"description": "Group or role not found, or the group does not have the role"}
}
MEMBER: Responses = {status.HTTP_404_NOT_FOUND: {"description": "Group or user not found"}}
MEMBER_GONE: Responses = {
    status.HTTP_404_NOT_FOUND: {"description": "Group or user not found, or the user is not a member"}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=GroupOut,
    responses={status.HTTP_409_CONFLICT: {"description": "The name is taken"}},
)
async def create_group(body: GroupCreate, admin: AdminUser, source: Source) -> GroupView:
    """Create a group giving these roles to its members (422 for a role nobody created)."""
    group = await groups.create(name=body.name, role_names=body.roles, moment=now())
    audit.record(
        "group_changed",
        outcome="created",
        ip=source.ip,
        user_agent=source.user_agent,
        by=admin.id,
        group=group.name,
        roles=group.roles,
    )
    return group


@router.get("", response_model=list[GroupOut])
async def list_groups(_admin: AdminUser) -> list[GroupView]:
    """Every group with its roles and members, by name."""
    return await groups.every()


@router.get("/{name}", response_model=GroupOut, responses=GROUP_NOT_FOUND)
async def read_group(name: Name, _admin: AdminUser) -> GroupView:
    """One group: its roles and its members' user ids."""
    return await groups.get(name)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=GROUP_NOT_FOUND)
async def delete_group(name: Name, admin: AdminUser, source: Source) -> None:
    """Delete a group: its members lose the roles they held through it."""
    await groups.delete(name)
    audit.record(
        "group_changed",
        outcome="deleted",
        ip=source.ip,
        user_agent=source.user_agent,
        by=admin.id,
        group=name,
    )


@router.put("/{name}/roles/{role}", status_code=status.HTTP_204_NO_CONTENT, responses=ROLE_LINK)
async def add_group_role(name: Name, role: Name, admin: AdminUser, source: Source) -> None:
    """Make the group give a role to its members; adding it again changes nothing."""
    if await groups.add_role(group=name, role=role):
        audit.record(
            "role_granted",
            outcome="success",
            ip=source.ip,
            user_agent=source.user_agent,
            by=admin.id,
            group=name,
            role=role,
        )


@router.delete("/{name}/roles/{role}", status_code=status.HTTP_204_NO_CONTENT, responses=ROLE_LINK_GONE)
async def remove_group_role(name: Name, role: Name, admin: AdminUser, source: Source) -> None:
    """Stop the group giving a role; members granted it directly keep it."""
    await groups.remove_role(group=name, role=role)
    audit.record(
        "role_revoked",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        by=admin.id,
        group=name,
        role=role,
    )


@router.put("/{name}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=MEMBER)
async def add_member(name: Name, user_id: UserId, admin: AdminUser, source: Source) -> None:
    """Make a user a member of the group; adding them again changes nothing."""
    if await groups.add_member(group=name, user_id=user_id):
        audit.record(
            "group_changed",
            outcome="member_added",
            ip=source.ip,
            user_agent=source.user_agent,
            user_id=user_id,
            by=admin.id,
            group=name,
        )


@router.delete("/{name}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=MEMBER_GONE)
async def remove_member(name: Name, user_id: UserId, admin: AdminUser, source: Source) -> None:
    """Take a user out of the group."""
    await groups.remove_member(group=name, user_id=user_id)
    audit.record(
        "group_changed",
        outcome="member_removed",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user_id,
        by=admin.id,
        group=name,
    )
