"""Roles (scope `admin`): created, listed and deleted; granted to a user directly; what a user holds."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from api.administration import roles as changes
from api.db.models import Role
from api.http.deps import AdminActor, AdminUser
from api.routes.responses import AUTHENTICATED
from api.schemas.common import Text
from api.schemas.roles import SLUG_MAX_LENGTH, SLUG_PATTERN, RoleCreate, RoleOut, UserRolesOut
from api.services import roles

router = APIRouter(prefix="/roles", tags=["roles"], responses=AUTHENTICATED)
users_router = APIRouter(prefix="/users", tags=["roles"], responses=AUTHENTICATED)

RoleName = Annotated[Text, Path(max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN)]
# ids are 32-bit integers in the database: anything else is a 422, not a database error
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]

ROLE_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"description": "Role not found"}
}
USER_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"description": "User not found"}
}
GRANT_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {
        "description": "User or role not found, or the role was not granted to the user directly"
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RoleOut,
    responses={status.HTTP_409_CONFLICT: {"description": "The name is taken"}},
)
async def create_role(body: RoleCreate, actor: AdminActor) -> Role:
    """Create a role other apps may authorize on."""
    return await changes.create_role(name=body.name, description=body.description, actor=actor)


@router.get("", response_model=list[RoleOut])
async def list_roles(_admin: AdminUser) -> list[Role]:
    """Every role, by name."""
    return await roles.every()


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=ROLE_NOT_FOUND)
async def delete_role(name: RoleName, actor: AdminActor) -> None:
    """Delete a role: every user and group that had it loses it."""
    await changes.delete_role(name, actor=actor)


@users_router.get("/{user_id}/roles", response_model=UserRolesOut, responses=USER_NOT_FOUND)
async def read_user_roles(user_id: UserId, _admin: AdminUser) -> roles.UserRoles:
    """A user's roles: every one they hold (sorted), those granted directly, and their groups."""
    return await roles.of_user(user_id)


@users_router.put(
    "/{user_id}/roles/{role}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={status.HTTP_404_NOT_FOUND: {"description": "User or role not found"}},
)
async def grant_role(user_id: UserId, role: RoleName, actor: AdminActor) -> None:
    """Grant a user a role directly; granting it again changes nothing."""
    await changes.grant(user_id=user_id, role=role, actor=actor)


@users_router.delete(
    "/{user_id}/roles/{role}", status_code=status.HTTP_204_NO_CONTENT, responses=GRANT_NOT_FOUND
)
async def revoke_role(user_id: UserId, role: RoleName, actor: AdminActor) -> None:
    """Take a directly granted role from a user; roles held through a group stay."""
    await changes.revoke(user_id=user_id, role=role, actor=actor)
