"""The tokens of links in mails: 256 random bits, only their SHA-256 stored, single-use, expiring."""

from datetime import datetime, timedelta
from typing import Literal

from api.core.opaque import new_opaque_token, opaque_digest
from api.db.models import EmailToken, User
from api.db.transactions import writing
from api.errors import InvalidEmailToken

Purpose = Literal["verify_email", "reset_password"]


async def issue(user: User, *, purpose: Purpose, email: str, moment: datetime, lifetime: timedelta) -> str:
    """A new link token for this user and address; the token itself is never stored."""
    token = new_opaque_token()
    await EmailToken.create(
        token_hash=token.digest,
        user=user,
        purpose=purpose,
        email=email,
        created_at=moment,
        expires_at=moment + lifetime,
    )
    return token.value


async def check(token: str, *, purpose: Purpose, moment: datetime) -> EmailToken:
    """A token's row and user if it works now; InvalidEmailToken when unknown, used, expired or void."""
    stored = await EmailToken.get_or_none(token_hash=opaque_digest(token)).select_related("user")
    if stored is None or stored.purpose != purpose or stored.used_at is not None:
        raise InvalidEmailToken
    user: User = stored.user
    # a link proves only the address it was sent to, and dies with a disabled account
    if stored.expires_at <= moment or stored.email != user.email or user.disabled:
        raise InvalidEmailToken
    return stored


async def consume(token: str, *, purpose: Purpose, moment: datetime) -> EmailToken:
    """Use a token once: its row with the user; InvalidEmailToken as `check` says, or when used meanwhile."""
    async with writing():
        stored = await check(token, purpose=purpose, moment=moment)
        # conditional: of two requests with one token, one wins
        if not await EmailToken.filter(token_hash=stored.token_hash, used_at=None).update(used_at=moment):
            raise InvalidEmailToken
    return stored


async def void_resets(user_id: int) -> None:
    """A password change by any route ends every reset link of the user."""
    await EmailToken.filter(user_id=user_id, purpose="reset_password").delete()
