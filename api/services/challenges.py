"""A login's second step: the `mfa_token` handed out after the right password, awaiting the one-time code.

It lasts five minutes, is used once, belongs to one user, and dies after five wrong codes.
"""

from datetime import datetime, timedelta

from tortoise.expressions import F

from api.core.opaque import new_opaque_token, opaque_digest
from api.db.models import MfaChallenge, User
from api.errors import InvalidMfaToken

LIFETIME = timedelta(minutes=5)
MAX_WRONG_CODES = 5


async def open_challenge(user: User, *, scope: str | None, moment: datetime) -> str:
    """A new mfa_token for a user whose password was right (random, kept only as its SHA-256)."""
    token = new_opaque_token()
    await MfaChallenge.create(
        token_hash=token.digest,
        user=user,
        scope=scope,
        created_at=moment,
        expires_at=moment + LIFETIME,
    )
    return token.value


async def find(mfa_token: str, *, moment: datetime) -> MfaChallenge:
    """The live challenge of an mfa_token, with its user; InvalidMfaToken when used, expired or spent."""
    challenge = await MfaChallenge.get_or_none(
        token_hash=opaque_digest(mfa_token),
        used_at=None,
        expires_at__gt=moment,
        failures__lt=MAX_WRONG_CODES,
    ).select_related("user")
    if challenge is None:
        raise InvalidMfaToken
    return challenge


async def count_wrong_code(challenge: MfaChallenge) -> None:
    """One more wrong code for this challenge (the fifth ends it)."""
    await MfaChallenge.filter(token_hash=challenge.token_hash).update(failures=F("failures") + 1)


async def spend(challenge: MfaChallenge, *, moment: datetime) -> None:
    """Use the challenge up; InvalidMfaToken when another request used it first or it was spent meanwhile."""
    used = await MfaChallenge.filter(
        token_hash=challenge.token_hash, used_at=None, failures__lt=MAX_WRONG_CODES
    ).update(used_at=moment)
    if not used:
        raise InvalidMfaToken


async def clean_up(moment: datetime) -> None:
    """Delete the challenges that have expired."""
    await MfaChallenge.filter(expires_at__lt=moment).delete()
