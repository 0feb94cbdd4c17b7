"""Which mail goes out when: verification, reset link and notices, queued in the caller's transaction.

Every link is built from PUBLIC_URL, never from a request's Host. No mail goes to a disabled account.
Call these inside the transaction of the change that causes the mail; `wake` the delivery afterwards.
"""

from datetime import timedelta
from urllib.parse import urlencode

from api.config import Settings
from api.db.models import OutboxMail, User
from api.db.transactions import writing
from api.mail import outbox
from api.mail.compose import MailKind, compose
from api.services import links
from api.services.state import AppState


def link(settings: Settings, path: str, token: str) -> str:
    """`{PUBLIC_URL}{path}?token=…`, the form the mails' text part holds alone on a line."""
    return f"{settings.public_url}{path}?{urlencode({'token': token})}"


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


async def _send(kind: MailKind, user: User, to: str, state: AppState, **context: str) -> None:
    if user.disabled:
        return
    mail = compose(kind, to=to, public_url=state.settings.public_url, username=user.username, **context)
    await outbox.enqueue(mail, sender=state.settings.mail_from, moment=state.clock())


async def verification(user: User, state: AppState) -> None:
    """A link that verifies the account's current address."""
    if user.email is None:
        return
    lifetime = timedelta(hours=state.settings.email_verification_expire_hours)
    token = await links.issue(
        user, purpose="verify_email", email=user.email, moment=state.clock(), lifetime=lifetime
    )
    context = {"email": user.email, "expires": _duration(lifetime)}
    await _send(
        "verify_email", user, user.email, state, link=link(state.settings, "/verify-email", token), **context
    )


async def reset_link(row: OutboxMail, state: AppState) -> bool:
    """Write the reset link a request row asked for, if an active account uses its address; else drop it."""
    user = await User.get_or_none(email=row.to_address)
    if user is None or user.disabled or user.email is None:
        await outbox.drop(row)
        return False
    lifetime = timedelta(minutes=state.settings.password_reset_expire_minutes)
    async with writing():
        token = await links.issue(
            user, purpose="reset_password", email=user.email, moment=state.clock(), lifetime=lifetime
        )
        url = link(state.settings, "/reset-password", token)
        mail = compose(
            "reset_password",
            to=user.email,
            public_url=state.settings.public_url,
            username=user.username,
            link=url,
            expires=_duration(lifetime),
        )
        await outbox.fill(row, mail, sender=state.settings.mail_from)
    return True


async def password_changed(user: User, state: AppState) -> None:
    """A notice to the verified address that the password changed."""
    if user.email is not None and user.email_verified:
        await _send("password_changed", user, user.email, state)


async def email_changed(user: User, *, old_email: str | None, old_verified: bool, state: AppState) -> None:
    """A notice to the old address (when it was verified), and a verification of the new one."""
    if old_email is not None and old_verified and old_email != user.email:
        await _send("email_changed", user, old_email, state, new_email=user.email or "(none)")
    await verification(user, state)


async def invitation(*, to: str, token: str, lifetime: timedelta, state: AppState) -> None:
    """An invitation's link to the page that creates the account."""
    url = link(state.settings, "/accept-invitation", token)
    mail = compose(
        "invitation", to=to, public_url=state.settings.public_url, link=url, expires=_duration(lifetime)
    )
    await outbox.enqueue(mail, sender=state.settings.mail_from, moment=state.clock())
