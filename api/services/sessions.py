"""Sessions: one per login, refresh-token rotation with reuse detection, revocation and clean-up."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.timezone import now

from api.backchannel import queue as backchannel
from api.core.opaque import opaque_digest
from api.db import session_sql
from api.db.models import (
    USER_AGENT_MAX_LENGTH,
    AuthorizationCode,
    ClientGrant,
    RefreshToken,
    Session,
    SessionClient,
    User,
)
from api.db.transactions import writing
from api.errors import InvalidRefreshToken, SessionNotFound


@dataclass(frozen=True, slots=True)
class RequestSource:
    """Where a login comes from, as shown in the session list."""

    user_agent: str | None
    ip: str | None


async def start(user: User, *, scope: str, source: RequestSource, lifetime: timedelta) -> tuple[Session, str]:
    """A new session for a successful login, and its first refresh token."""
    return await session_sql.start(
        user, scope=scope, user_agent=clipped_user_agent(source), ip=source.ip, lifetime=lifetime
    )


def clipped_user_agent(source: RequestSource) -> str | None:
    """The user agent as the session list keeps it (its first few hundred characters)."""
    return source.user_agent[:USER_AGENT_MAX_LENGTH] if source.user_agent else None


async def rotate(
    refresh_token: str, *, lifetime: timedelta, client_id: str | None, moment: datetime
) -> tuple[Session, str]:
    """Trade a refresh token for a new one; a token used twice ends its whole session (reuse detection).

    An app's refresh token works only for the client it was issued to (`client_id`: the one presenting it).
    """
    try:
        return await session_sql.rotate(refresh_token, lifetime=lifetime, client_id=client_id)
    except session_sql.TokenReused as reused:
        await end(session_id=reused.session_id, moment=moment)
        raise InvalidRefreshToken from None


async def end(
    *,
    moment: datetime,
    session_id: uuid.UUID | str | None = None,
    user_id: int | None = None,
    client_id: str | None = None,
    keep: uuid.UUID | str | None = None,
) -> int:
    """End the live sessions that match every filter given (one session, a user's, an app's; all but
    `keep`): their tokens stop working, and each app that received tokens in them is told, by a back-channel
    logout queued in the same transaction (`moment`: the app's clock). How many ended.

    Every way a session ends comes here, so none can forget the apps.
    """
    matching = {"id": session_id, "user_id": user_id, "client_id": client_id}
    conditions = {name: value for name, value in matching.items() if value is not None}
    if not conditions:
        raise ValueError("end() needs a session, a user or an app")
    async with writing():
        query = Session.filter(revoked_at=None, **conditions)
        if keep is not None:
            query = query.exclude(id=keep)
        # two ends of the same session at once may both find it: the queue keeps one logout per (app, sid)
        ending = [str(session) for session in await query.values_list("id", flat=True)]
        if not ending:
            return 0
        ended = await Session.filter(id__in=ending, revoked_at=None).update(revoked_at=now())
        await backchannel.enqueue_for(ending, moment=moment)
    return ended


async def note_client(session: Session) -> None:
    """Note that the session's app received tokens in it, under the `sid` of its id_tokens (the browser
    session that signed in), so that the end of either tells the app."""
    assert session.client_id is not None
    noted = SessionClient(
        session_id=session.id, client_id=session.client_id, sid=session.login_session_id or str(session.id)
    )
    await SessionClient.bulk_create([noted], ignore_conflicts=True)


async def end_refresh_token(refresh_token: str, *, moment: datetime) -> str | None:
    """End the session a refresh token belongs to; its id, or None when the token is not ours."""
    stored = await RefreshToken.get_or_none(token_hash=opaque_digest(refresh_token))
    if stored is None:
        return None
    session_id = str(stored.session_id)  # type: ignore[attr-defined]
    await end(session_id=session_id, moment=moment)
    return session_id


async def live_refresh_token(refresh_token: str) -> tuple[Session, datetime] | None:
    """The session of a refresh token that would work now, with the token's expiry; None otherwise."""
    stored = await RefreshToken.get_or_none(
        token_hash=opaque_digest(refresh_token), used_at=None
    ).select_related("session__user")
    moment = now()
    if stored is None or stored.expires_at <= moment:
        return None
    session = stored.session
    if session.revoked_at is not None or session.expires_at <= moment or session.user.disabled:
        return None
    return session, stored.expires_at


async def active(user_id: int) -> list[Session]:
    """The user's sessions that still work, most recently used first."""
    return (
        await Session.filter(user_id=user_id, revoked_at=None, expires_at__gt=now())
        .order_by("-last_used_at")
        .all()
    )


async def end_own(*, user_id: int, session_id: uuid.UUID, moment: datetime) -> None:
    """End one of the user's own active sessions; SessionNotFound for anyone else's."""
    if not await end(session_id=session_id, user_id=user_id, moment=moment):
        raise SessionNotFound


async def clean_up(moment: datetime) -> None:
    """Delete expired sessions, sessions revoked over a day ago, expired refresh tokens, client grants and
    authorization codes."""
    await Session.filter(expires_at__lt=moment).delete()
    await Session.filter(revoked_at__lt=moment - timedelta(days=1)).delete()
    await RefreshToken.filter(expires_at__lt=moment).delete()
    await ClientGrant.filter(expires_at__lt=moment).delete()
    # a used code is kept a day after it expires, to catch its reuse
    await AuthorizationCode.filter(expires_at__lt=moment - timedelta(days=1)).delete()
    await backchannel.clean_up(moment)
