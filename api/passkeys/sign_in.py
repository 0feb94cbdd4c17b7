"""Signing in with a passkey (discoverable: no username typed): options with a challenge, then the answer
checked, its counter audited, and the user it names signed in; a passkey with user verification is both
factors."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.db.models import Passkey, PasskeyUser, User
from api.errors import CloneSuspected, InvalidPasskey
from api.passkeys import ceremonies, challenges
from api.passkeys.ceremonies import RelyingParty

# a JSON answer is a few kilobytes at most
_MAX_CREDENTIAL_LENGTH = 16 * 1024


@dataclass(frozen=True, slots=True)
class SignInOptions:
    """What the browser gets for a sign-in: the options, and the challenge's id to send back."""

    options: dict[str, Any]
    challenge_id: str


async def options(rp: RelyingParty, *, moment: datetime) -> SignInOptions:
    """A sign-in's options, with a challenge bound to nobody."""
    challenge_id, challenge = await challenges.open_challenge(
        purpose=challenges.SIGN_IN, user=None, moment=moment
    )
    return SignInOptions(
        options=ceremonies.authentication_options(rp, challenge=challenge), challenge_id=challenge_id
    )


def parse(credential: str) -> dict[str, Any]:
    """The AuthenticationResponseJSON the form carries as a string; InvalidPasskey unless it is an object."""
    if len(credential) > _MAX_CREDENTIAL_LENGTH:
        raise InvalidPasskey
    try:
        parsed = json.loads(credential)
    except ValueError:
        raise InvalidPasskey from None
    if not isinstance(parsed, dict):
        raise InvalidPasskey
    return parsed


async def verify(
    credential: dict[str, Any], *, challenge_id: str, rp: RelyingParty, moment: datetime
) -> User:
    """The user a sign-in's answer proves; InvalidPasskey (CloneSuspected for a counter that did not grow)."""
    challenge = await challenges.spend(challenge_id, purpose=challenges.SIGN_IN, user_id=None, moment=moment)
    passkey = await Passkey.get_or_none(credential_id=ceremonies.credential_id_of(credential)).select_related(
        "user"
    )
    if passkey is None:
        raise InvalidPasskey
    handle = (
        credential.get("response", {}).get("userHandle")
        if isinstance(credential.get("response"), dict)
        else None
    )
    user: User = passkey.user
    assertion = ceremonies.verify_assertion(
        rp, credential, challenge=challenge, public_key=passkey.public_key
    )
    if handle is not None and not await _handle_is(user, handle):
        raise InvalidPasskey
    if (assertion.sign_count > 0 or passkey.sign_count > 0) and assertion.sign_count <= passkey.sign_count:
        # a copy of the key signs with a counter the original has passed: keep the stored counter
        raise CloneSuspected(user_id=user.id, passkey_id=str(passkey.id))
    if user.disabled:
        raise InvalidPasskey
    await Passkey.filter(id=passkey.id).update(
        sign_count=assertion.sign_count, backed_up=assertion.backed_up, last_used_at=moment
    )
    return user


async def _handle_is(user: User, handle: object) -> bool:
    if not isinstance(handle, str):
        return False
    found = await PasskeyUser.get_or_none(handle=handle)
    return found is not None and found.user_id == user.id  # type: ignore[attr-defined]
