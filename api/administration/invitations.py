"""An administrator's invitations: sent and revoked, each recorded with the administrator as actor in the same
transaction."""

from api.db.models import Invitation
from api.db.transactions import writing
from api.services import invitations
from api.services.admin import Actor
from api.services.state import AppState


async def invite(
    *, email: str, is_admin: bool, role_names: list[str], state: AppState, actor: Actor
) -> Invitation:
    """Invite an address: a mail carries the link that creates the account."""
    async with writing():
        invitation = await invitations.invite(
            email=email, is_admin=is_admin, role_names=role_names, invited_by=actor.id, state=state
        )
        await actor.record("invitation_sent", invitation=invitation.id, email=invitation.email)
    state.delivery.wake()
    return invitation


async def revoke(invitation_id: int, *, state: AppState, actor: Actor) -> Invitation:
    """Revoke a pending invitation: its link stops working."""
    async with writing():
        invitation = await invitations.revoke(invitation_id, moment=state.clock())
        await actor.record("invitation_revoked", invitation=invitation.id, email=invitation.email)
    return invitation
