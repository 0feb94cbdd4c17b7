"""E-mail verification and password reset: what the links in the mails do, and asking for them again."""

from datetime import timedelta

from api.db.models import User
from api.db.transactions import writing
from api.errors import EmailAlreadyVerified, NoEmailAddress
from api.mail import outbox
from api.services import links, mails, throttle, users
from api.services.state import AppState

_HOUR = timedelta(hours=1)
RESENDS_PER_HOUR = 3
RESET_REQUESTS_PER_HOUR = 5


async def verify_email(token: str, *, state: AppState) -> User:
    """The account whose address the link verifies, now verified; InvalidEmailToken otherwise."""
    used = await links.consume(token, purpose="verify_email", moment=state.clock())
    user: User = used.user
    if not user.email_verified:
        user.email_verified = True
        await user.save(update_fields=["email_verified"])
    return user


async def resend_verification(user: User, *, state: AppState) -> None:
    """Another verification mail for the signed-in user's address (3 an hour)."""
    if user.email is None:
        raise NoEmailAddress
    if user.email_verified:
        raise EmailAlreadyVerified
    moment = state.clock()
    await throttle.take("resend", str(user.id), limit=RESENDS_PER_HOUR, window=_HOUR, moment=moment)
    async with writing():
        await mails.verification(user, state)
    state.delivery.wake()


async def forgot_password(email: str, *, ip: str, state: AppState) -> None:
    """Queue a reset request for this address; the delivery sends a link if an active account uses it.

    The same work whoever the address is, and nothing looked up or sent inline: the answer tells nothing.
    """
    moment = state.clock()
    await throttle.take("forgot", ip, limit=RESET_REQUESTS_PER_HOUR, window=_HOUR, moment=moment)
    await outbox.enqueue_reset_request(email, moment=moment)
    state.delivery.wake()


async def reset_password(token: str, new_password: str, *, state: AppState) -> User:
    """Set a new password through a reset link; every session ends, and the address counts as verified."""
    # the policy is checked before the link is used up, so a refused password leaves the link working
    user: User = (await links.check(token, purpose="reset_password", moment=state.clock())).user
    users.require_policy(user, new_password, settings=state.settings)
    await links.consume(token, purpose="reset_password", moment=state.clock())
    await users.set_password(user, new_password, state=state, verified=True)
    return user
