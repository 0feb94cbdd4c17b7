"""Administration: finding, changing and deleting any account, never leaving the service without an admin.

Every change is recorded here with the administrator as actor, so the API and the console record the same; its
audit row is stored in the change's transaction (`Actor.record`), so one is never without the other.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from api.core import usernames
from api.db.models import User
from api.db.transactions import writing
from api.errors import LastAdmin, UserNotFound
from api.observability import audit
from api.services import sessions, users
from api.services.sessions import RequestSource


@dataclass(frozen=True, slots=True)
class Actor:
    """The administrator acting, where the request comes from, and when."""

    id: int
    source: RequestSource
    # the app's clock when the request came: what it ends, it ends at this moment
    moment: datetime

    async def record(
        self,
        event: audit.Event,
        *,
        outcome: str = "success",
        user_id: int | None = None,
        client_id: str | None = None,
        **details: Any,
    ) -> None:
        """Store an event of this administrator's doing now: called inside the change's transaction."""
        await audit.stored(
            audit.Entry(
                event=event,
                outcome=outcome,
                ip=self.source.ip,
                user_agent=self.source.user_agent,
                actor_id=self.id,
                user_id=user_id,
                client_id=client_id,
                details=details,
            )
        )


@dataclass(frozen=True, slots=True)
class Search:
    """What the console's user list asks for: `text` in the username or the address, and the flags."""

    text: str = ""
    disabled: bool = False
    admins: bool = False
    unverified: bool = False


async def page(*, limit: int, offset: int) -> tuple[list[User], int]:
    """One page of accounts in id order, and how many there are in all."""
    return await User.all().order_by("id").offset(offset).limit(limit), await User.all().count()


async def search(wanted: Search, *, limit: int, offset: int) -> tuple[list[User], int]:
    """One page of the accounts matching (case-insensitive), in id order, and how many match in all."""
    query = User.all()
    if wanted.text:
        query = query.filter(Q(username__icontains=wanted.text) | Q(email__icontains=wanted.text))
    if wanted.disabled:
        query = query.filter(disabled=True)
    if wanted.admins:
        query = query.filter(is_admin=True)
    if wanted.unverified:
        query = query.filter(Q(email_verified=False) & Q(email__not_isnull=True))
    return await query.order_by("id").offset(offset).limit(limit), await query.count()


async def get(user_id: int) -> User:
    """The account with this id."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise UserNotFound
    return user


async def by_username(username: str) -> User:
    """The account with this username (compared as logging in compares it)."""
    user = await User.get_or_none(username_key=usernames.lookup_key(username))
    if user is None:
        raise UserNotFound
    return user


async def names_of(user_ids: set[int]) -> dict[int, str]:
    """The usernames of these accounts (those that still exist)."""
    if not user_ids:
        return {}
    return dict(await User.filter(id__in=user_ids).values_list("id", "username"))


async def update(user_id: int, *, changes: dict[str, Any], actor: Actor) -> User:
    """Change an account; disabling it ends its sessions at once."""
    fields = sorted(changes)
    async with writing():
        user = await get(user_id)
        if changes.get("disabled") is True or changes.get("is_admin") is False:
            await _keep_an_admin(except_user=user)
        if "email" in changes and changes["email"] != user.email:
            # nobody has proved the new address yet; its owner can ask for a verification mail
            changes = {**changes, "email_verified": False}
        await users.update_fields(user, changes=changes)
        if user.disabled:
            await sessions.end(user_id=user.id, moment=actor.moment)
        await actor.record("admin_update", user_id=user_id, fields=fields)
    return user


async def delete(user_id: int, *, actor: Actor) -> None:
    """Delete an account with its sessions (ended first, so the apps are told)."""
    async with writing():
        user = await get(user_id)
        await _keep_an_admin(except_user=user)
        await sessions.end(user_id=user.id, moment=actor.moment)
        await user.delete()
        await actor.record("admin_delete", user_id=user_id)


async def _keep_an_admin(*, except_user: User) -> None:
    if not (except_user.is_admin and not except_user.disabled):
        return
    # locking the admin rows serialises two admins demoting each other at the same moment (PostgreSQL)
    admins = await User.filter(is_admin=True, disabled=False).select_for_update().values_list("id", flat=True)
    if not set(admins) - {except_user.id}:
        raise LastAdmin
