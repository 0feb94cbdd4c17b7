"""`grant_type=authorization_code`: the provider's code traded for tokens (and an id_token), and the id_token
an app's refresh brings."""

from dataclasses import replace
from datetime import timedelta

from api.core import scopes
from api.db.models import OAuthClient
from api.errors import InvalidClient, MissingFields
from api.grants.base import ClientRule, Grant, GrantInput
from api.grants.issuing import IssuedTokens, issue_for_session
from api.oidc import codes, id_tokens
from api.oidc.discovery import issuer
from api.services.state import AppState


async def handle(given: GrantInput) -> IssuedTokens:
    """The code's tokens; a refresh token with `offline_access` for a client registered for refresh_token,
    an id_token with `openid`."""
    fields, client, state = given.fields, given.client, given.state
    if client is None:  # the client rule has named it already
        raise InvalidClient
    if not fields.code or not fields.redirect_uri:
        raise MissingFields("code", "redirect_uri")
    redeemed = await codes.redeem(
        fields.code,
        client=client,
        redirect_uri=fields.redirect_uri,
        code_verifier=fields.code_verifier,
        source=given.source,
        refresh_lifetime=timedelta(days=state.settings.refresh_token_expire_days),
        moment=state.clock(),
    )
    return await tokens_of(redeemed, client=client, state=state)


async def tokens_of(redeemed: codes.Redeemed, *, client: OAuthClient, state: AppState) -> IssuedTokens:
    """The tokens of a user's approval just redeemed (a code, a device code): the access token, the refresh
    token if one was made, and an id_token with `openid`."""
    issued = await issue_for_session(
        redeemed.user, redeemed.session, redeemed.scopes, refresh_token=redeemed.refresh_token, state=state
    )
    if scopes.OPENID not in redeemed.scopes:
        return issued
    authentication = id_tokens.Authentication(
        auth_time=redeemed.auth_time, login_session_id=redeemed.login_session_id, nonce=redeemed.nonce
    )
    return replace(issued, id_token=await _id_token(issued, client, authentication, state=state))


async def with_refreshed_id_token(
    issued: IssuedTokens, *, client: OAuthClient, state: AppState
) -> IssuedTokens:
    """An app's refresh with `openid` carries a new id_token: same `sub` and `auth_time`, no nonce."""
    session = issued.app_session
    if session is None or scopes.OPENID not in issued.scopes or session.auth_time is None:
        return issued
    authentication = id_tokens.Authentication(
        auth_time=session.auth_time, login_session_id=session.login_session_id or "", nonce=None
    )
    return replace(issued, id_token=await _id_token(issued, client, authentication, state=state))


async def _id_token(
    issued: IssuedTokens, client: OAuthClient, authentication: id_tokens.Authentication, *, state: AppState
) -> str:
    session = issued.app_session
    assert session is not None
    return await id_tokens.issue(
        keys=state.keys,
        issuer=issuer(state.settings),
        client=client,
        user=session.user,
        granted=issued.scopes,
        authentication=authentication,
        access_token=issued.access_token,
        lifetime_seconds=issued.expires_in,
        roles=issued.roles,
    )


GRANT = Grant(
    grant_type="authorization_code",
    client_rule=ClientRule.NAMED,
    client_grant_type="authorization_code",
    event="code_exchange",
    handle=handle,
)
