"""Pydantic models for the token endpoint and the published keys."""

from typing import Literal

from pydantic import BaseModel, Field


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
        description="authorization_code and its refreshes, with `openid`: the OpenID Connect id_token",
    )


class OAuthError(BaseModel):
    """A token endpoint error (RFC 6749 section 5.2), with FastAPI's `detail` beside it."""

    error: str
    error_description: str
    detail: str


class Jwks(BaseModel):
    """A JWK set (RFC 7517): public keys only, each with `kid`, `kty`, `alg` and `use`."""

    keys: list[dict[str, str]]
