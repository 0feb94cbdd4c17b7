"""Pydantic models for the registered clients' API."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas.common import Text
from api.schemas.roles import Slug

GrantType = Literal[
    "authorization_code",
    "client_credentials",
    "password",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
]
# scope names as RFC 6749 writes them; which exist is checked against the settings
ScopeName = Annotated[Text, Field(min_length=1, max_length=100, pattern=r"^[\x21\x23-\x5b\x5d-\x7e]+$")]
# compared as strings, so kept exactly as registered; which are allowed is checked by the service
RedirectUri = Annotated[Text, Field(min_length=1, max_length=2000)]
Name = Annotated[Text, Field(min_length=1, max_length=200)]
ALLOWED_ROLES = "the only roles its tokens may carry (null: every role)"
BACKCHANNEL_LOGOUT_URI = (
    "where a logout token is posted when a session it had tokens in ends (https, or http on a loopback host)"
)
SESSION_REQUIRED = "the logout token names the session (`sid`): always true of the tokens sent here"


def _split(value: object) -> object:
    # the stored form is space-separated, as OAuth2 writes scopes
    return value.split() if isinstance(value, str) else value


class ClientCreate(BaseModel):
    """A client to register."""

    name: Name = Field(examples=["billing service"])
    grant_types: list[GrantType] = Field(min_length=1, max_length=5, examples=[["client_credentials"]])
    scopes: list[ScopeName] = Field(max_length=50, examples=[["billing:read"]])
    redirect_uris: list[RedirectUri] = Field(
        default_factory=list, max_length=20, description="required for authorization_code"
    )
    confidential: bool = Field(default=True, description="false: a public client, with no secret")
    post_logout_redirect_uris: list[RedirectUri] = Field(default_factory=list, max_length=20)
    require_pkce: bool = Field(
        default=True, description="false only for a confidential client (nonce then required)"
    )
    trusted: bool = Field(default=False, description="a first-party app: no consent page")
    id_token_signed_response_alg: Literal["RS256", "ES256"] = Field(
        default="RS256", description="ES256 only while JWT_ALGORITHM=ES256"
    )
    allowed_roles: list[Slug] | None = Field(default=None, max_length=200, description=ALLOWED_ROLES)
    backchannel_logout_uri: RedirectUri | None = Field(default=None, description=BACKCHANNEL_LOGOUT_URI)
    backchannel_logout_session_required: bool = Field(default=True, description=SESSION_REQUIRED)


class ClientUpdate(BaseModel):
    """Changes to a client; fields left out stay as they are."""

    name: Name | None = None
    grant_types: list[GrantType] | None = Field(default=None, min_length=1, max_length=5)
    scopes: list[ScopeName] | None = Field(default=None, max_length=50)
    redirect_uris: list[RedirectUri] | None = Field(default=None, max_length=20)
    post_logout_redirect_uris: list[RedirectUri] | None = Field(default=None, max_length=20)
    require_pkce: bool | None = None
    trusted: bool | None = None
    id_token_signed_response_alg: Literal["RS256", "ES256"] | None = None
    allowed_roles: list[Slug] | None = Field(
        default=None, max_length=200, description=f"{ALLOWED_ROLES}; null sets it back to every role"
    )
    backchannel_logout_uri: RedirectUri | None = Field(
        default=None, description=f"{BACKCHANNEL_LOGOUT_URI}; null removes it"
    )
    backchannel_logout_session_required: bool | None = None


class ClientOut(BaseModel):
    """A registered client: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    client_id: str
    name: str
    grant_types: list[str]
    scopes: list[str]
    redirect_uris: list[str]
    confidential: bool
    created_at: datetime
    post_logout_redirect_uris: list[str]
    require_pkce: bool
    trusted: bool
    id_token_signed_response_alg: str
    allowed_roles: list[str] | None = Field(description=ALLOWED_ROLES)
    backchannel_logout_uri: str | None = Field(description=BACKCHANNEL_LOGOUT_URI)
    backchannel_logout_session_required: bool = Field(description=SESSION_REQUIRED)

    _split_grant_types = field_validator("grant_types", "scopes", mode="before")(_split)

    @field_validator("post_logout_redirect_uris", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        # a client registered before 0.3.0 has none
        return [] if value is None else value


class ClientCreated(ClientOut):
    """A client just registered, with its secret: shown this once, kept only as a hash."""

    client_secret: str | None = Field(description="null for a public client")


class ClientSecret(BaseModel):
    """A client's new secret: the old one no longer works."""

    client_id: str
    client_secret: str
