"""`grant_type=client_credentials` (RFC 6749 section 4.4): a token for a confidential client itself, within
its scopes, and no refresh token."""

from datetime import timedelta

from api.core import scopes
from api.errors import InvalidClient
from api.grants.base import ClientRule, Grant, GrantInput
from api.grants.issuing import IssuedTokens
from api.services import clients


async def handle(given: GrantInput) -> IssuedTokens:
    """The client's own token: a grant of its own, as long as an access token lives."""
    client, state = given.client, given.state
    if client is None:  # the client rule has proven it already
        raise InvalidClient
    granted = scopes.within(given.fields.scope, frozenset(client.scopes.split()))
    lifetime = state.settings.access_token_expire_minutes * 60
    grant = await clients.start_grant(client, granted=granted, lifetime=timedelta(seconds=lifetime))
    access_token = state.codec.issue_access_token(
        client_id=client.client_id, session_id=str(grant.id), scopes=granted, lifetime_seconds=lifetime
    )
    return IssuedTokens(
        user_id=None,
        session_id=str(grant.id),
        access_token=access_token,
        refresh_token=None,
        expires_in=lifetime,
        scopes=granted,
        client_id=client.client_id,
    )


GRANT = Grant(
    grant_type=clients.CLIENT_CREDENTIALS,
    client_rule=ClientRule.CONFIDENTIAL,
    client_grant_type=clients.CLIENT_CREDENTIALS,
    event="client_token",
    handle=handle,
)
