"""Administration of every account (scope `admin`)."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from fastapi.exceptions import RequestValidationError

from api.db.models import User
from api.http import routing
from api.http.deps import AdminUser, Source, State
from api.observability import audit
from api.passkeys import credentials
from api.routes.responses import AUTHENTICATED
from api.schemas.users import AdminUserUpdate, UserOut, UserPage
from api.services import admin, mfa

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
async def update_user(
    user_id: UserId, body: AdminUserUpdate, admin_user: AdminUser, source: Source, state: State
) -> User:
    """Change an account; disabling it ends its sessions at once."""
    changes = body.model_dump(exclude_unset=True)
    for flag in ("disabled", "is_admin"):
        if flag in changes and changes[flag] is None:
            raise RequestValidationError(
                [{"type": "bool_type", "loc": ("body", flag), "msg": "Must be a boolean"}]
            )
    user = await admin.update(user_id, changes=changes, moment=state.clock())
    audit.record(
        "admin_update",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user_id,
        by=admin_user.id,
        fields=sorted(changes),
    )
    return user


@router.delete(f"/{USER}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **CONFLICT})
async def delete_user(user_id: UserId, admin_user: AdminUser, source: Source, state: State) -> None:
    """Delete an account with its sessions."""
    await admin.delete(user_id, moment=state.clock())
    audit.record(
        "admin_delete",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user_id,
        by=admin_user.id,
    )


@router.delete("/{user_id}/passkeys", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def reset_passkeys(user_id: UserId, admin_user: AdminUser, source: Source) -> None:
    """Remove every passkey of a user (a lost device): they sign in no more."""
    user = await admin.get(user_id)
    removed = await credentials.remove_all(user.id)
    audit.record(
        "passkey_removed",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user_id,
        by=admin_user.id,
        count=removed,
    )


@router.delete("/{user_id}/mfa", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def reset_mfa(user_id: UserId, admin_user: AdminUser, source: Source) -> None:
    """Turn a user's two-factor off (a lost device): the password alone logs in until it is set up again."""
    await mfa.turn_off(await admin.get(user_id))
    audit.record(
        "mfa_disabled",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user_id,
        by=admin_user.id,
    )
