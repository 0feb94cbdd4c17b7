"""Signing in with a passkey (discoverable: no username typed): options with a challenge, then the answer
checked, its counter audited, and the user it names signed in; a passkey with user verification is both
factors."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.db.models import Passkey, PasskeyUser, User
from api.errors import CloneSuspected, InvalidPasskey
from api.passkeys import answers, ceremonies, webauthn_challenges
from api.passkeys.ceremonies import RelyingParty

# a JSON answer is a few kilobytes at most
_MAX_CREDENTIAL_LENGTH = 16 * 1024
# compare-and-set rounds against sign-ins of the same passkey at the same moment, before giving up
_COUNTER_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class SignInOptions:
    """What the browser gets for a sign-in: the options, and the challenge's id to send back."""

    options: dict[str, Any]
    challenge_id: str


async def options(rp: RelyingParty, *, moment: datetime) -> SignInOptions:
    """A sign-in's options, with a challenge bound to nobody."""
    challenge_id, challenge = await webauthn_challenges.open_challenge(
        purpose=webauthn_challenges.SIGN_IN, user=None, moment=moment
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
    challenge = await webauthn_challenges.spend(
        challenge_id, purpose=webauthn_challenges.SIGN_IN, user_id=None, moment=moment
    )
    passkey = await Passkey.get_or_none(credential_id=answers.credential_id_of(credential)).select_related(
        "user"
    )
    if passkey is None:
        raise InvalidPasskey
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    user: User = passkey.user
    assertion = ceremonies.verify_assertion(
        rp, credential, challenge=challenge, public_key=passkey.public_key
    )
    # WebAuthn L3 7.2: a discoverable sign-in names its user by the user handle, which must be the owner's
    if not await _handle_is(user, handle):
        raise InvalidPasskey
    if _went_backwards(assertion.sign_count, stored=passkey.sign_count):
        raise CloneSuspected(user_id=user.id, passkey_id=str(passkey.id))
    if user.disabled:
        raise InvalidPasskey
    await _store_counter(passkey, assertion, moment=moment)
    return user


def _went_backwards(presented: int, *, stored: int) -> bool:
    # a copy of the key signs with a counter the original has passed; counters that stay 0 are not counted
    return (presented > 0 or stored > 0) and presented <= stored


async def _store_counter(passkey: Passkey, assertion: ceremonies.Assertion, *, moment: datetime) -> None:
    """The assertion's counter stored by compare-and-set: of two sign-ins presenting the same counter at once,
    one passes; the other finds the counter moved and is judged again against it."""
    stored = passkey.sign_count
    for _attempt in range(_COUNTER_ATTEMPTS):
        updated = await Passkey.filter(id=passkey.id, sign_count=stored).update(
            sign_count=assertion.sign_count, backed_up=assertion.backed_up, last_used_at=moment
        )
        if updated:
            return
        found = await Passkey.get_or_none(id=passkey.id)
        if found is None:  # removed meanwhile
            raise InvalidPasskey
        stored = found.sign_count
        if _went_backwards(assertion.sign_count, stored=stored):
            raise CloneSuspected(user_id=passkey.user.id, passkey_id=str(passkey.id))
    raise InvalidPasskey


async def _handle_is(user: User, handle: object) -> bool:
    if not isinstance(handle, str) or not handle or len(handle) > 200:
        return False
    found = await PasskeyUser.get_or_none(handle=handle)
    return found is not None and found.user_id == user.id  # type: ignore[attr-defined]
