"""Administration of every account (scope `admin`)."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError

from ..deps import AdminUser
from ..errors import EmailTaken, LastAdmin, UserNotFound
from ..models import User
from ..schemas import AdminUserUpdate, UserOut, UserPage
from ..services import admin

router = APIRouter(prefix="/users", tags=["admin"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"description": "User not found"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    status.HTTP_409_CONFLICT: {"description": "Would leave no active admin, or the email is taken"}
}


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, "User not found")


def _last_admin() -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, "Cannot remove the last admin")


@router.get("", response_model=UserPage)
async def list_users(
    _admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UserPage:
    """All accounts, in id order, a page at a time."""
    users, total = await admin.page(limit=limit, offset=offset)
    return UserPage(items=[UserOut.model_validate(user) for user in users], total=total)


@router.get("/{user_id}", response_model=UserOut, responses=NOT_FOUND)
async def read_user(user_id: int, _admin: AdminUser) -> User:
    """One account."""
    try:
        return await admin.get(user_id)
    except UserNotFound:
        raise _not_found() from None


@router.patch("/{user_id}", response_model=UserOut, responses={**NOT_FOUND, **CONFLICT})
async def update_user(user_id: int, body: AdminUserUpdate, _admin: AdminUser) -> User:
    """Change an account; disabling it ends its sessions at once."""
    changes = body.model_dump(exclude_unset=True)
    for flag in ("disabled", "is_admin"):
        if flag in changes and changes[flag] is None:
            raise RequestValidationError(
                [{"type": "bool_type", "loc": ("body", flag), "msg": "Must be a boolean"}]
            )
    try:
        return await admin.update(user_id, changes=changes)
    except UserNotFound:
        raise _not_found() from None
    except LastAdmin:
        raise _last_admin() from None
    except EmailTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered") from None


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **CONFLICT})
async def delete_user(user_id: int, _admin: AdminUser) -> None:
    """Delete an account with its sessions."""
    try:
        await admin.delete(user_id)
    except UserNotFound:
        raise _not_found() from None
    except LastAdmin:
        raise _last_admin() from None
