"""An administrator's actions on someone's way of signing in: two-factor, passkeys, sessions, identities, apps
and the password reset mail. Each change and its audit row are one transaction."""

import uuid

from api.db.transactions import writing
from api.errors import NoEmailAddress
from api.mail import outbox
from api.oidc import consents
from api.passkeys import credentials
from api.services import admin, mfa, sessions
from api.services.admin import Actor
from api.services.state import AppState
from api.social import identities


async def turn_off_two_factor(user_id: int, *, actor: Actor) -> None:
    """Turn the user's two-factor off (a lost device): the password alone logs in until it is set up again."""
    async with writing():
        await mfa.turn_off(await admin.get(user_id))
        await actor.record("mfa_disabled", user_id=user_id)


async def remove_passkeys(user_id: int, *, actor: Actor) -> int:
    """Remove every passkey of the user (a lost device); how many there were."""
    async with writing():
        user = await admin.get(user_id)
        removed = await credentials.remove_all(user.id)
        await actor.record("passkey_removed", user_id=user_id, count=removed)
    return removed


async def remove_passkey(user_id: int, *, passkey_id: uuid.UUID, actor: Actor) -> None:
    """Remove one of the user's passkeys: it signs in no more."""
    async with writing():
        await credentials.remove(user_id=user_id, passkey_id=passkey_id)
        await actor.record("passkey_removed", user_id=user_id, passkey=str(passkey_id))


async def end_session(user_id: int, *, session_id: uuid.UUID, actor: Actor) -> None:
    """End one of the user's sessions."""
    async with writing():
        await sessions.end_own(user_id=user_id, session_id=session_id, moment=actor.moment)
        await actor.record("revocation", user_id=user_id, session_id=str(session_id))


async def end_sessions(user_id: int, *, actor: Actor) -> None:
    """End every session of the user."""
    async with writing():
        await sessions.end(user_id=(await admin.get(user_id)).id, moment=actor.moment)
        await actor.record("revocation", user_id=user_id, sessions="all")


async def unlink(user_id: int, *, provider: str, actor: Actor) -> None:
    """Unlink the user's identity at a provider, unless nothing else would sign them in."""
    async with writing():
        await identities.unlink(await admin.get(user_id), provider=provider)
        await actor.record("identity_unlinked", user_id=user_id, provider=provider)


async def forget_app(user_id: int, *, client_id: str, actor: Actor) -> None:
    """Take back what the user allowed an app: its consent, and every session it holds for them."""
    async with writing():
        await consents.forget(user_id=user_id, client_id=client_id, moment=actor.moment)
        await actor.record("consent_revoked", user_id=user_id, client_id=client_id)


async def send_password_reset(user_id: int, *, state: AppState, actor: Actor) -> None:
    """Mail the user a password reset link (no throttle: an administrator asks, not a stranger)."""
    async with writing():
        user = await admin.get(user_id)
        if not user.email:
            raise NoEmailAddress
        await outbox.enqueue_reset_request(user.email, moment=state.clock())
        await actor.record("password_reset_request", user_id=user_id)
    state.delivery.wake()
