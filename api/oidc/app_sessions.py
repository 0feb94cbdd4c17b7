"""An app's session: what a user's approval (an authorization code, a device code) opens at the token
endpoint, bound to the browser sign-in that approved it (the id_token's `sid`)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.core import scopes
from api.core.opaque import new_opaque_token
from api.db.models import OAuthClient, RefreshToken, Session, User
from api.services import sessions
from api.services.sessions import RequestSource


@dataclass(frozen=True, slots=True)
class Approval:
    """Who approved an app, what, and from which browser sign-in."""

    user: User
    granted: frozenset[str]
    auth_time: datetime
    login_session_id: str


async def open_for(
    approval: Approval,
    *,
    client: OAuthClient,
    source: RequestSource,
    refresh_lifetime: timedelta,
    moment: datetime,
) -> tuple[Session, str | None]:
    """A new session of the app for the user, and a refresh token with `offline_access` for a client
    registered for refresh_token."""
    session = await Session.create(
        id=uuid.uuid4(),
        user=approval.user,
        scope=scopes.render(approval.granted),
        last_used_at=moment,
        expires_at=moment + refresh_lifetime,
        user_agent=sessions.clipped_user_agent(source),
        ip=source.ip,
        client_id=client.client_id,
        auth_time=approval.auth_time,
        login_session_id=approval.login_session_id,
    )
    refresh_token = None
    if "refresh_token" in client.grant_types.split() and scopes.OFFLINE_ACCESS in approval.granted:
        token = new_opaque_token()
        await RefreshToken.create(token_hash=token.digest, session=session, expires_at=session.expires_at)
        refresh_token = token.value
    return session, refresh_token


async def approver_signed_in(approval: Approval) -> bool:
    """Whether the browser sign-in that approved is still on and its user may still sign in."""
    browser = await Session.get_or_none(id=_uuid(approval.login_session_id), revoked_at=None)
    return browser is not None and not approval.user.disabled


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
