"""Who is calling: an access token resolved to its active session, user and scopes (domain errors otherwise).

The route dependencies and the `GET /user/me` fast path both call `resolve`, so they cannot drift apart.
"""

import uuid
from dataclasses import dataclass

from api.core import scopes
from api.core.jwt import AccessClaims, InvalidToken
from api.db import access_sql
from api.db.models import User
from api.errors import AppTokenRefused, InsufficientScope, InvalidAccessToken, NotAuthenticated
from api.services import clients, users
from api.services.state import AppState


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the active user, the session their token belongs to, and the token's scopes."""

    user: User
    session_id: uuid.UUID
    scopes: frozenset[str]
    # when the token expires (Unix time): a cached answer for it lasts no longer
    expires_at: int
    # the app the token was issued to (its `client_id` claim), None for the service's own sign-ins
    issued_to: str | None = None


async def resolve(
    token: str | None, state: AppState, *, required: tuple[str, ...] = (), apps: bool = False
) -> Principal:
    """The principal behind an access token holding `required`: valid signature, active session and user.

    A token issued to an app is not the user: unless `apps`, it is refused (AppTokenRefused) once it is
    known to be valid, so that an app may read what it was given and never manage the account.
    """
    claims = await claims_of(token, state, required=required, apps=apps)
    return await principal_of(claims, state, required=required, apps=apps)


async def claims_of(
    token: str | None, state: AppState, *, required: tuple[str, ...] = (), apps: bool = False
) -> AccessClaims:
    """A user's access token's verified claims (nothing read from the database); domain errors otherwise."""
    if token is None:
        raise NotAuthenticated
    try:
        claims = await state.keys.decode(token)
    except InvalidToken:
        raise InvalidAccessToken from None
    if claims.client_id is not None:
        # a client's own token works, but it is nobody's: no route of ours serves it
        await clients.active_grant(grant_id=claims.session_id, client_id=claims.client_id)
        raise InsufficientScope(required or (scopes.PROFILE,)) if apps else AppTokenRefused
    return claims


async def principal_of(
    claims: AccessClaims, state: AppState, *, required: tuple[str, ...] = (), apps: bool = False
) -> Principal:
    """The principal of a user's verified claims: its session and user checked in the database."""
    assert claims.user_id is not None
    user = await access_sql.active_user(session_id=claims.session_id, user_id=claims.user_id)
    if claims.issued_to is not None and not apps:
        raise AppTokenRefused
    # an administrator demoted since the token was issued loses `admin` at once
    principal = Principal(
        user=user,
        session_id=uuid.UUID(claims.session_id),
        scopes=users.still_held(claims.scopes, user, state.settings),
        expires_at=claims.expires_at,
        issued_to=claims.issued_to,
    )
    if not principal.scopes.issuperset(required):
        raise InsufficientScope(required)
    return principal
