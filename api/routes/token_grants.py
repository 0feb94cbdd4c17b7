"""The token endpoint's form, and which grant a request asks for: password (with its second step),
refresh_token or client_credentials."""

from fastapi import Request
from pydantic import BaseModel, Field

from api.errors import InvalidClient
from api.http.credentials import client_credentials
from api.http.oauth_errors import Refusal
from api.oidc import exchange
from api.schemas.common import CLIENT_ID_MAX_LENGTH, Text
from api.services import clients, grants
from api.services.sessions import RequestSource
from api.services.state import AppState

MFA_OTP = "mfa_otp"
PASSKEY = "passkey"
AUTHORIZATION_CODE = "authorization_code"
_GRANT_TYPES = frozenset({*clients.GRANT_TYPES, MFA_OTP, PASSKEY})


class TokenRequest(BaseModel):
    """The token endpoint's form fields; all optional, so a missing one is RFC 6749's invalid_request."""

    grant_type: Text | None = None
    username: str | None = None
    password: str | None = None
    otp: Text | None = Field(
        default=None, description="a TOTP or recovery code: with the password, or for mfa_otp"
    )
    mfa_token: Text | None = Field(
        default=None, description="grant_type=mfa_otp: the token of the mfa_required answer"
    )
    refresh_token: str | None = None
    code: Text | None = Field(default=None, description="grant_type=authorization_code: the code")
    redirect_uri: Text | None = Field(default=None, description="authorization_code: as in the request")
    code_verifier: Text | None = Field(default=None, description="authorization_code: the PKCE verifier")
    challenge_id: Text | None = Field(
        default=None, description="grant_type=passkey: from /passkeys/login/options"
    )
    credential: Text | None = Field(
        default=None, description="grant_type=passkey: AuthenticationResponseJSON"
    )
    scope: Text | None = None
    client_id: Text | None = Field(
        default=None,
        max_length=CLIENT_ID_MAX_LENGTH,
        description="client_secret_post, or a public client's id",
    )
    client_secret: Text | None = Field(default=None, description="client_secret_post")
    next: Text | None = Field(default=None, description="login page only: the path to go to afterwards")


async def grant(
    form: TokenRequest, request: Request, source: RequestSource, state: AppState
) -> grants.IssuedTokens:
    """The grant the form asks for, by the client the request names (if any)."""
    grant_type = form.grant_type or "password"
    if grant_type not in _GRANT_TYPES:
        raise Refusal("unsupported_grant_type", f"Grant type {form.grant_type!r} is not supported")
    presented = client_credentials(
        request.headers.get("authorization"), form_id=form.client_id, form_secret=form.client_secret
    )
    if grant_type == clients.CLIENT_CREDENTIALS:
        registered = await clients.authenticate(presented)
        return await grants.client_credentials_grant(client=registered, scope=form.scope, state=state)
    named = await clients.identify(presented)
    if grant_type == AUTHORIZATION_CODE:
        if named is None:
            raise InvalidClient
        if not form.code or not form.redirect_uri:
            raise Refusal("invalid_request", "The code and redirect_uri fields are required")
        return await exchange.code_grant(
            client=named,
            code=form.code,
            redirect_uri=form.redirect_uri,
            code_verifier=form.code_verifier,
            source=source,
            state=state,
        )
    if named is not None:
        # the second step and a passkey are other ways through the password grant's login
        clients.require_grant_type(named, "password" if grant_type in (MFA_OTP, PASSKEY) else grant_type)
    if grant_type == PASSKEY:
        if not form.challenge_id or not form.credential:
            raise Refusal("invalid_request", "The challenge_id and credential fields are required")
        return await grants.passkey_grant(
            challenge_id=form.challenge_id,
            credential=form.credential,
            scope=form.scope,
            source=source,
            state=state,
        )
    if grant_type == "refresh_token":
        if not form.refresh_token:
            raise Refusal("invalid_request", "The refresh_token field is required")
        issued = await grants.refresh_grant(
            refresh_token=form.refresh_token,
            scope=form.scope,
            state=state,
            client_id=named.client_id if named is not None else None,
        )
        if named is None:
            return issued
        return await exchange.with_refreshed_id_token(issued, client=named, state=state)
    if grant_type == MFA_OTP:
        if not form.mfa_token or not form.otp:
            raise Refusal("invalid_request", "The mfa_token and otp fields are required")
        return await grants.mfa_grant(mfa_token=form.mfa_token, otp=form.otp, source=source, state=state)
    if not form.username or form.password is None:
        raise Refusal("invalid_request", "The username and password fields are required")
    return await grants.password_grant(
        username=form.username,
        password=form.password,
        scope=form.scope,
        otp=form.otp or None,
        source=source,
        state=state,
    )
