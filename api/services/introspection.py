"""Token introspection (RFC 7662): whether a token works now, checked against the database as every request.

A token that does not work is `{"active": false}` and nothing more, whatever the reason: the caller learns
no more about a token it should not hold.
"""

from datetime import timedelta
from typing import Any

from api.core import scopes
from api.core.jwt import InvalidToken
from api.db import access_sql
from api.errors import DomainError
from api.services import clients, role_claims, sessions, users
from api.services.state import AppState

INACTIVE: dict[str, Any] = {"active": False}


async def introspect(token: str, *, state: AppState) -> dict[str, Any]:
    """RFC 7662's answer for an access token (a user's or a client's) or a refresh token."""
    try:
        claims = await state.keys.decode(token)
    except InvalidToken:
        return await _refresh_token(token, state=state)
    answer: dict[str, Any] = {
        "active": True,
        "sub": claims.subject,
        "exp": claims.expires_at,
        "iat": claims.issued_at,
        "token_type": "Bearer",
        **_registered_claims(state),
    }
    try:
        if claims.client_id is not None:
            client = await clients.active_grant(grant_id=claims.session_id, client_id=claims.client_id)
            held = claims.scopes & frozenset(client.scopes.split())
            return {**answer, "scope": scopes.render(held), "client_id": client.client_id}
        assert claims.user_id is not None
        user = await access_sql.active_user(session_id=claims.session_id, user_id=claims.user_id)
    except DomainError:
        return INACTIVE
    held = users.still_held(claims.scopes, user, state.settings)
    # an app's token (authorization code flow) names the app
    app = {"client_id": claims.issued_to} if claims.issued_to is not None else {}
    return {
        **answer,
        "scope": scopes.render(held),
        **app,
        "username": user.username,
        "sid": claims.session_id,
        **await _roles(user_id=user.id, held=held, client_id=claims.issued_to),
    }


async def _refresh_token(token: str, *, state: AppState) -> dict[str, Any]:
    found = await sessions.live_refresh_token(token)
    if found is None:
        return INACTIVE
    session, expires_at = found
    user = session.user
    held = users.still_held(frozenset(session.scope.split()), user, state.settings)
    # a refresh token is made with its expiry, `lifetime` after the moment it was issued
    issued_at = expires_at - timedelta(days=state.settings.refresh_token_expire_days)
    return {
        "active": True,
        "scope": scopes.render(held),
        "sub": str(user.id),
        "username": user.username,
        "exp": int(expires_at.timestamp()),
        "iat": int(issued_at.timestamp()),
        "token_type": "refresh_token",
        "sid": str(session.id),
        **_registered_claims(state),
        **await _roles(user_id=user.id, held=held, client_id=session.client_id),
    }


async def _roles(*, user_id: int, held: frozenset[str], client_id: str | None) -> dict[str, list[str]]:
    # the roles the token's next use would see: read now, so a change shows at once
    roles = await role_claims.carried(user_id=user_id, granted=held, client_id=client_id)
    return {} if roles is None else {"roles": roles}


def _registered_claims(state: AppState) -> dict[str, str]:
    settings = state.settings
    claims = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience}
    return {name: value for name, value in claims.items() if value is not None}
