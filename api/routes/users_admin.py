"""Administration of every account (scope `admin`)."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from fastapi.exceptions import RequestValidationError

from api.administration import accounts
from api.db.models import User
from api.http import routing
from api.http.deps import AdminActor, AdminUser
from api.routes.responses import AUTHENTICATED
from api.schemas.users import AdminUserUpdate, UserOut, UserPage
from api.services import admin

router = APIRouter(prefix="/users", tags=["admin"], responses=AUTHENTICATED)

# ids are 32-bit integers in the database: anything else is a 422, not a database error
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# /users/me is GET /users/me's alone
USER = routing.segment_except("user_id", "me")

NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"description": "User not found"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    status.HTTP_409_CONFLICT: {"description": "Would leave no active admin, or the email is taken"}
}


@router.get("", response_model=UserPage)
async def list_users(
    _admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UserPage:
    """All accounts, in id order, a page at a time."""
    users, total = await admin.page(limit=limit, offset=offset)
    return UserPage(items=[UserOut.model_validate(user) for user in users], total=total)


@router.get(f"/{USER}", response_model=UserOut, responses=NOT_FOUND)
async def read_user(user_id: UserId, _admin: AdminUser) -> User:
    """One account."""
    return await admin.get(user_id)


@router.patch(f"/{USER}", response_model=UserOut, responses={**NOT_FOUND, **CONFLICT})
async def update_user(user_id: UserId, body: AdminUserUpdate, actor: AdminActor) -> User:
    """Change an account; disabling it ends its sessions at once."""
    changes = body.model_dump(exclude_unset=True)
    for flag in ("disabled", "is_admin"):
        if flag in changes and changes[flag] is None:
            raise RequestValidationError(
                [{"type": "bool_type", "loc": ("body", flag), "msg": "Must be a boolean"}]
            )
    return await admin.update(user_id, changes=changes, actor=actor)


@router.delete(f"/{USER}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **CONFLICT})
async def delete_user(user_id: UserId, actor: AdminActor) -> None:
    """Delete an account with its sessions."""
    await admin.delete(user_id, actor=actor)


@router.delete("/{user_id}/passkeys", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def reset_passkeys(user_id: UserId, actor: AdminActor) -> None:
    """Remove every passkey of a user (a lost device): they sign in no more."""
    await accounts.remove_passkeys(user_id, actor=actor)


@router.delete("/{user_id}/mfa", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def reset_mfa(user_id: UserId, actor: AdminActor) -> None:
    """Turn a user's two-factor off (a lost device): the password alone logs in until it is set up again."""
    await accounts.turn_off_two_factor(user_id, actor=actor)
