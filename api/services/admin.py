"""Administration: listing, changing and deleting any account, never leaving the service without an admin."""

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from api.db.models import User
from api.errors import LastAdmin, UserNotFound
from api.services import sessions, users


async def page(*, limit: int, offset: int) -> tuple[list[User], int]:
    """One page of accounts in id order, and how many there are in all."""
    return await User.all().order_by("id").offset(offset).limit(limit), await User.all().count()


async def get(user_id: int) -> User:
    """The account with this id."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise UserNotFound
    return user


async def update(user_id: int, *, changes: dict[str, Any], moment: datetime) -> User:
    """Change an account; disabling it ends its sessions at once."""
    async with in_transaction():
        user = await get(user_id)
        if changes.get("disabled") is True or changes.get("is_admin") is False:
            await _keep_an_admin(except_user=user)
        if "email" in changes and changes["email"] != user.email:
            # nobody has proved the new address yet; its owner can ask for a verification mail
            changes = {**changes, "email_verified": False}
        await users.update_fields(user, changes=changes)
        if user.disabled:
            await sessions.end(user_id=user.id, moment=moment)
    return user


async def delete(user_id: int, *, moment: datetime) -> None:
    """Delete an account with its sessions (ended first, so the apps are told)."""
    async with in_transaction():
        user = await get(user_id)
        await _keep_an_admin(except_user=user)
        await sessions.end(user_id=user.id, moment=moment)
        await user.delete()


async def _keep_an_admin(*, except_user: User) -> None:
    if not (except_user.is_admin and not except_user.disabled):
        return
    # locking the admin rows serialises two admins demoting each other at the same moment (PostgreSQL)
    admins = await User.filter(is_admin=True, disabled=False).select_for_update().values_list("id", flat=True)
    if not set(admins) - {except_user.id}:
        raise LastAdmin
