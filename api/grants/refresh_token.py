"""`grant_type=refresh_token` (RFC 6749 section 6): a refresh token traded for a new pair, never gaining
scopes; an app's refresh token works only for that app, and with `openid` brings a new id_token."""

from api.core import scopes
from api.db.models import User
from api.errors import InvalidScope, MissingFields
from api.grants.authorization_code import with_refreshed_id_token
from api.grants.base import ClientRule, Grant, GrantInput
from api.grants.issuing import IssuedTokens, issue_for_session, refresh_lifetime
from api.services import sessions, users
from api.services.state import AppState


async def handle(given: GrantInput) -> IssuedTokens:
    """The refresh of a token request, for the client presenting it (if any)."""
    fields, client = given.fields, given.client
    if not fields.refresh_token:
        raise MissingFields("refresh_token")
    issued = await refresh_grant(
        refresh_token=fields.refresh_token,
        scope=fields.scope,
        state=given.state,
        client_id=client.client_id if client is not None else None,
    )
    if client is None:
        return issued
    return await with_refreshed_id_token(issued, client=client, state=given.state)


async def refresh_grant(
    *, refresh_token: str, scope: str | None, state: AppState, client_id: str | None = None
) -> IssuedTokens:
    """A new pair for a refresh token (`client_id`: the client presenting it), within the session's scopes."""
    session, new_refresh_token = await sessions.rotate(
        refresh_token, lifetime=refresh_lifetime(state), client_id=client_id, moment=state.clock()
    )
    user: User = session.user
    # the session keeps what the login granted, less what the user may no longer have
    held = users.still_held(frozenset(session.scope.split()), user, state.settings)
    wanted = frozenset((scope or "").split()) or held
    if not wanted <= held:
        raise InvalidScope(scopes.render(wanted - held))
    return await issue_for_session(user, session, wanted, refresh_token=new_refresh_token, state=state)


GRANT = Grant(
    grant_type="refresh_token",
    client_rule=ClientRule.ANY,
    client_grant_type="refresh_token",
    event="refresh",
    handle=handle,
)
