"""Groups (scope `admin`): each gives its members every one of its roles."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from api.administration import roles as changes
from api.http.deps import AdminActor, AdminUser
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
async def create_group(body: GroupCreate, actor: AdminActor) -> GroupView:
    """Create a group giving these roles to its members (422 for a role nobody created)."""
    return await changes.create_group(name=body.name, role_names=body.roles, actor=actor)


@router.get("", response_model=list[GroupOut])
async def list_groups(_admin: AdminUser) -> list[GroupView]:
    """Every group with its roles and members, by name."""
    return await groups.every()


@router.get("/{name}", response_model=GroupOut, responses=GROUP_NOT_FOUND)
async def read_group(name: Name, _admin: AdminUser) -> GroupView:
    """One group: its roles and its members' user ids."""
    return await groups.get(name)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=GROUP_NOT_FOUND)
async def delete_group(name: Name, actor: AdminActor) -> None:
    """Delete a group: its members lose the roles they held through it."""
    await changes.delete_group(name, actor=actor)


@router.put("/{name}/roles/{role}", status_code=status.HTTP_204_NO_CONTENT, responses=ROLE_LINK)
async def add_group_role(name: Name, role: Name, actor: AdminActor) -> None:
    """Make the group give a role to its members; adding it again changes nothing."""
    await changes.add_group_role(group=name, role=role, actor=actor)


@router.delete("/{name}/roles/{role}", status_code=status.HTTP_204_NO_CONTENT, responses=ROLE_LINK_GONE)
async def remove_group_role(name: Name, role: Name, actor: AdminActor) -> None:
    """Stop the group giving a role; members granted it directly keep it."""
    await changes.remove_group_role(group=name, role=role, actor=actor)


@router.put("/{name}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=MEMBER)
async def add_member(name: Name, user_id: UserId, actor: AdminActor) -> None:
    """Make a user a member of the group; adding them again changes nothing."""
    await changes.add_member(group=name, user_id=user_id, actor=actor)


@router.delete("/{name}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=MEMBER_GONE)
async def remove_member(name: Name, user_id: UserId, actor: AdminActor) -> None:
    """Take a user out of the group."""
    await changes.remove_member(group=name, user_id=user_id, actor=actor)
