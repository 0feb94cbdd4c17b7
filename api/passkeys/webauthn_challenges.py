"""WebAuthn challenges: random, single use, five minutes; bound to the user adding a passkey, or to nobody
for a discoverable sign-in (the answer names its own user)."""

import secrets
from datetime import datetime, timedelta

from webauthn.helpers import bytes_to_base64url

from api.core.opaque import new_opaque_token, opaque_digest
from api.db.models import PasskeyChallenge, User
from api.errors import InvalidPasskey

LIFETIME = timedelta(minutes=5)
REGISTRATION = "registration"
SIGN_IN = "sign_in"


async def open_challenge(*, purpose: str, user: User | None, moment: datetime) -> tuple[str, bytes]:
    """A new challenge: its id and its bytes. A sign-in's id is handed to the browser beside the options; a
    registration's is the challenge itself (base64url), which the browser's answer carries back."""
    challenge = secrets.token_bytes(32)
    challenge_id = bytes_to_base64url(challenge) if purpose == REGISTRATION else new_opaque_token().value
    await PasskeyChallenge.create(
        id_hash=opaque_digest(challenge_id),
        challenge=challenge.hex(),
        purpose=purpose,
        user=user,
        created_at=moment,
        expires_at=moment + LIFETIME,
    )
    return challenge_id, challenge


async def spend(challenge_id: str, *, purpose: str, user_id: int | None, moment: datetime) -> bytes:
    """The challenge's bytes, spent now (a second use fails); InvalidPasskey for an unknown, used, expired or
    another user's challenge."""
    digest = opaque_digest(challenge_id)
    found = await PasskeyChallenge.get_or_none(id_hash=digest, purpose=purpose, used_at=None)
    if found is None or found.expires_at <= moment or found.user_id != user_id:  # type: ignore[attr-defined]
        raise InvalidPasskey
    claimed = await PasskeyChallenge.filter(id_hash=digest, used_at=None).update(used_at=moment)
    if not claimed:
        raise InvalidPasskey
    return bytes.fromhex(found.challenge)


async def clean_up(moment: datetime) -> None:
    """Delete the challenges that have expired, used or not (neither can be spent any more)."""
    await PasskeyChallenge.filter(expires_at__lte=moment).delete()
