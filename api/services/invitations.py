"""Invitations: an administrator invites an address, and whoever holds the mailed link creates the account.

They work while registration is closed. The link's token is stored only as its SHA-256, works once, and
expires after INVITATION_EXPIRE_HOURS; opening the page never uses it.
"""

from datetime import datetime, timedelta

from tortoise.queryset import QuerySet

from api.core.opaque import new_opaque_token, opaque_digest
from api.db.models import Invitation, Role, User
from api.db.transactions import writing
from api.errors import InvalidInvitation, InvitationConflict, InvitationNotFound
from api.services import mails, roles, users
from api.services.state import AppState


def _pending(moment: datetime) -> QuerySet[Invitation]:
    return Invitation.filter(accepted_at=None, revoked_at=None, expires_at__gt=moment)


async def invite(
    *, email: str, is_admin: bool, role_names: list[str], invited_by: int, state: AppState
) -> Invitation:
    """A new invitation, its mail queued (the caller wakes the delivery once committed); InvitationConflict
    when the address has an account or a pending invitation, UnknownRoles when a role does not exist."""
    moment = state.clock()
    if await User.exists(email=email) or await _pending(moment).filter(email=email).exists():
        raise InvitationConflict
    lifetime = timedelta(hours=state.settings.invitation_expire_hours)
    token = new_opaque_token()
    async with writing():
        await roles.require_all(role_names, field="roles")
        invitation = await Invitation.create(
            email=email,
            token_hash=token.digest,
            is_admin=is_admin,
            roles=role_names,
            invited_by=invited_by,
            created_at=moment,
            expires_at=moment + lifetime,
        )
        await mails.invitation(to=email, token=token.value, lifetime=lifetime, state=state)
    return invitation


async def pending(*, moment: datetime) -> list[Invitation]:
    """The invitations that can still be accepted, newest first."""
    return await _pending(moment).order_by("-id")


async def revoke(invitation_id: int, *, moment: datetime) -> Invitation:
    """Void a pending invitation; InvitationNotFound when there is none with this id."""
    if not await _pending(moment).filter(id=invitation_id).update(revoked_at=moment):
        raise InvitationNotFound
    return await Invitation.get(id=invitation_id)


async def check(token: str, *, moment: datetime) -> Invitation:
    """The pending invitation this token belongs to; InvalidInvitation otherwise."""
    found = await _pending(moment).get_or_none(token_hash=opaque_digest(token))
    if found is None:
        raise InvalidInvitation
    return found


async def accept(token: str, *, username: str, password: str, state: AppState) -> tuple[User, Invitation]:
    """The account the invitation makes: its address verified, admin and roles as invited, all in one
    transaction with the invitation used up. InvalidInvitation, or /register's errors (taken, weak)."""
    moment = state.clock()
    invitation = await check(token, moment=moment)

    async def as_invited(user: User) -> None:
        # conditional: of two acceptances of one link, one wins
        if not await _pending(moment).filter(id=invitation.id).update(accepted_at=moment):
            raise InvalidInvitation
        user.email_verified = True
        user.is_admin = invitation.is_admin
        await user.save(update_fields=["email_verified", "is_admin"])
        # a role deleted since the invitation is not granted
        for (role,) in await Role.filter(name__in=invitation.roles).values_list("name"):
            await roles.grant(user_id=user.id, role=role)

    user = await users.register(
        username=username,
        password=password,
        email=invitation.email,
        full_name=None,
        hasher=state.hasher,
        min_password_length=state.settings.password_min_length,
        on_created=as_invited,
    )
    return user, invitation
