"""What every grant ends with: the tokens issued, for a new session or for one that goes on."""

from dataclasses import dataclass
from datetime import timedelta

from api.core import scopes
from api.db.models import Session, User
from api.services import role_claims, sessions, users
from api.services.sessions import RequestSource
from api.services.state import AppState


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """The result of a successful grant: for a user, or (client_credentials) for a client, with no refresh."""

    user_id: int | None
    session_id: str
    access_token: str
    refresh_token: str | None
    expires_in: int
    scopes: frozenset[str]
    client_id: str | None = None
    # the second factor that completed the login, if one was asked for: "totp" or "recovery_code"; "passkey"
    # for a passkey, both factors at once
    second_factor: str | None = None
    # an app's session (authorization code flow), whose refresh may carry a new id_token
    app_session: Session | None = None
    id_token: str | None = None
    # the roles its tokens carry (the `roles` scope), as they were when it was issued
    roles: list[str] | None = None


async def open_session(
    user: User, *, source: RequestSource, state: AppState, granted: frozenset[str] | None = None
) -> IssuedTokens:
    """A new session for a user who just proved who they are (logged in, or registered from the page)."""
    if granted is None:
        granted = users.allowed_scopes(user, state.settings)
    # logins are frequent enough to carry the clean-up, so nothing needs scheduling
    await state.housekeeping.run_if_due(state.clock())
    session, refresh_token = await sessions.start(
        user, scope=scopes.render(granted), source=source, lifetime=refresh_lifetime(state)
    )
    return await issue_for_session(user, session, granted, refresh_token=refresh_token, state=state)


async def issue_for_session(
    user: User, session: Session, granted: frozenset[str], *, refresh_token: str | None, state: AppState
) -> IssuedTokens:
    """The access token of a session (and the refresh token just made for it); an app's session's token
    names the app (`client_id`), which is noted as told of the session's end. Every user's token is made
    here, so its roles are read here too."""
    lifetime = state.settings.access_token_expire_minutes * 60
    if session.client_id is not None:
        await sessions.note_client(session)
    roles = await role_claims.carried(user_id=user.id, granted=granted, client_id=session.client_id)
    access_token = state.codec.issue_access_token(
        user_id=user.id,
        session_id=str(session.id),
        scopes=granted,
        lifetime_seconds=lifetime,
        issued_to=session.client_id,
        roles=roles,
    )
    return IssuedTokens(
        user_id=user.id,
        session_id=str(session.id),
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=lifetime,
        scopes=granted,
        client_id=session.client_id,
        app_session=session if session.client_id is not None else None,
        roles=roles,
    )


def requested(scope: str | None, user: User, state: AppState) -> frozenset[str]:
    """The scopes a login grants: those asked for (or the defaults) among those the user may have."""
    return scopes.within(scope, users.allowed_scopes(user, state.settings), on_request=scopes.ON_REQUEST)


def refresh_lifetime(state: AppState) -> timedelta:
    """How long a refresh token lives."""
    return timedelta(days=state.settings.refresh_token_expire_days)
