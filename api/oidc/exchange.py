"""The token endpoint's side of the provider: a code traded for tokens (and an id_token), and the id_token
an app's refresh brings."""

from dataclasses import replace
from datetime import timedelta

from api.core import scopes
from api.db.models import OAuthClient
from api.oidc import codes, id_tokens
from api.oidc.discovery import issuer
from api.services import clients, grants
from api.services.grants import IssuedTokens
from api.services.sessions import RequestSource
from api.services.state import AppState


async def code_grant(
    *,
    client: OAuthClient,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
    source: RequestSource,
    state: AppState,
) -> IssuedTokens:
    """`grant_type=authorization_code`: the code's tokens; a refresh token with `offline_access` for a client
    registered for refresh_token, an id_token with `openid`."""
    clients.require_grant_type(client, "authorization_code")
    redeemed = await codes.redeem(
        code,
        client=client,
        redirect_uri=redirect_uri,
        code_verifier=code_verifier,
        refresh_allowed="refresh_token" in client.grant_types.split(),
        source=source,
        refresh_lifetime=timedelta(days=state.settings.refresh_token_expire_days),
        moment=state.clock(),
    )
    issued = await grants.issue_for_session(
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
