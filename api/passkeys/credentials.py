"""A user's passkeys: added after the password is given again, listed, renamed and removed; the user handle
made with the first one."""

import secrets
import uuid
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from api.db.models import Passkey, PasskeyUser, User
from api.errors import InvalidPasskey, PasskeyNotFound, PasskeyTaken
from api.passkeys import answers, ceremonies, webauthn_challenges
from api.passkeys.ceremonies import RelyingParty

DEFAULT_NAME = "Passkey"


async def handle_of(user: User) -> bytes:
    """The user's WebAuthn user handle (64 random bytes), made the first time."""
    found = await PasskeyUser.get_or_none(user_id=user.id)
    if found is None:
        try:
            found = await PasskeyUser.create(user=user, handle=bytes_to_base64url(secrets.token_bytes(64)))
        except IntegrityError:  # made meanwhile by another request
            found = await PasskeyUser.get(user_id=user.id)
    return base64url_to_bytes(found.handle)


async def registration_options(user: User, *, rp: RelyingParty, moment: datetime) -> dict[str, Any]:
    """Options for a new passkey of `user` (the password was checked by the caller)."""
    _, challenge = await webauthn_challenges.open_challenge(
        purpose=webauthn_challenges.REGISTRATION, user=user, moment=moment
    )
    known = [
        ceremonies.Known(credential_id=passkey.credential_id, transports=list(passkey.transports))
        for passkey in await Passkey.filter(user_id=user.id)
    ]
    return ceremonies.registration_options(
        rp,
        user_handle=await handle_of(user),
        user_name=user.username,
        display_name=user.full_name or user.username,
        challenge=challenge,
        known=known,
    )


async def register(
    user: User, credential: dict[str, Any], *, name: str | None, rp: RelyingParty, moment: datetime
) -> Passkey:
    """Keep a new passkey whose registration answers one of the user's open challenges."""
    challenge = await webauthn_challenges.spend(
        _challenge_in(credential), purpose=webauthn_challenges.REGISTRATION, user_id=user.id, moment=moment
    )
    verified = ceremonies.verify_registration(rp, credential, challenge=challenge)
    try:
        return await Passkey.create(
            id=uuid.uuid4(),
            user=user,
            credential_id=verified.credential_id,
            public_key=verified.public_key,
            sign_count=verified.sign_count,
            backup_eligible=verified.backup_eligible,
            backed_up=verified.backed_up,
            transports=verified.transports,
            name=(name or DEFAULT_NAME).strip()[:100] or DEFAULT_NAME,
            created_at=moment,
        )
    except IntegrityError:
        raise PasskeyTaken from None


async def of_user(user_id: int) -> list[Passkey]:
    """The user's passkeys, oldest first."""
    return await Passkey.filter(user_id=user_id).order_by("created_at", "id")


async def rename(*, user_id: int, passkey_id: uuid.UUID, name: str) -> Passkey:
    """Give one of the user's passkeys another name."""
    found = await Passkey.get_or_none(id=passkey_id, user_id=user_id)
    if found is None:
        raise PasskeyNotFound
    found.name = name
    await found.save(update_fields=["name"])
    return found


async def remove(*, user_id: int, passkey_id: uuid.UUID) -> None:
    """Remove one of the user's passkeys: it signs in no more."""
    if not await Passkey.filter(id=passkey_id, user_id=user_id).delete():
        raise PasskeyNotFound


async def remove_all(user_id: int) -> int:
    """Remove every passkey of a user (an administrator's reset); how many there were."""
    return await Passkey.filter(user_id=user_id).delete()


def _challenge_in(credential: dict[str, Any]) -> str:
    # the browser's answer carries the challenge back in its clientDataJSON
    try:
        client_data = answers.client_data(credential)
        challenge = client_data["challenge"]
    except (KeyError, TypeError, ValueError):
        raise InvalidPasskey from None
    if not isinstance(challenge, str) or len(challenge) > 200:
        raise InvalidPasskey
    return challenge
