"""Pydantic models for the token endpoint (its form and answers) and the published keys."""

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import CLIENT_ID_MAX_LENGTH, Text


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
    device_code: Text | None = Field(
        default=None, description="grant_type=urn:ietf:params:oauth:grant-type:device_code: the device code"
    )
    client_id: Text | None = Field(
        default=None,
        max_length=CLIENT_ID_MAX_LENGTH,
        description="client_secret_post, or a public client's id",
    )
    client_secret: Text | None = Field(default=None, description="client_secret_post")
    next: Text | None = Field(default=None, description="login page only: the path to go to afterwards")


class TokenResponse(BaseModel):
    """A successful token answer (RFC 6749 section 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str | None = Field(
        default=None,
        description="single use: trade it for a new pair with grant_type=refresh_token (users only)",
    )
    scope: str = Field(description="the granted scopes, space-separated")
    id_token: str | None = Field(
        default=None,
        description="authorization_code, device_code and their refreshes, with `openid`: the OpenID Connect "
        "id_token",
    )


class OAuthError(BaseModel):
    """A token endpoint error (RFC 6749 section 5.2), with FastAPI's `detail` beside it."""

    error: str
    error_description: str
    detail: str


class Jwks(BaseModel):
    """A JWK set (RFC 7517): public keys only, each with `kid`, `kty`, `alg` and `use`."""

    keys: list[dict[str, str]]
