"""Pydantic models for other identity providers and the identities linked to them."""

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.schemas.common import Text


def _absolute_url(value: str) -> str:
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - reading it checks it: `http://host:q` has none
    except ValueError:
        raise ValueError("Must be an absolute URL") from None
    if not parts.hostname:
        raise ValueError("Must be an absolute URL")
    return value


class ProviderCreate(BaseModel):
    """An OpenID Connect provider to sign in with; its discovery document is fetched and checked."""

    name: Text = Field(min_length=1, max_length=40, examples=["keycloak"], description="a slug: a-z, 0-9, -")
    display_name: Text = Field(min_length=1, max_length=100, examples=["Company account"])
    issuer: Annotated[str, AfterValidator(_absolute_url)] = Field(
        min_length=1,
        max_length=500,
        # a URL's own characters (RFC 3986: ASCII; an IDN host punycoded), all that reaches the outbound call
        pattern=r"^https?://[\x21-\x7e]+$",
        examples=["https://sso.example.com/realms/staff"],
    )
    client_id: Text = Field(min_length=1, max_length=500)
    client_secret: str | None = Field(default=None, max_length=2000, description="kept sealed; never shown")
    scopes: Text = Field(default="openid email profile", max_length=500)
    link_verified_email: bool = Field(
        default=False,
        description="link to a local account with the same verified address (trust the provider)",
    )
    create_accounts: bool = Field(
        default=True, description="make an account for a new user (registration open)"
    )


class ProviderOut(BaseModel):
    """A provider: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    display_name: str
    issuer: str
    client_id: str
    scopes: str
    link_verified_email: bool
    create_accounts: bool
    created_at: datetime


class IdentityOut(BaseModel):
    """One of your identities at another provider."""

    model_config = ConfigDict(from_attributes=True)

    provider: str
    subject: str
    email: str | None
    linked_at: datetime
