"""Pydantic models for the registered clients' API."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, field_validator
from pydantic.networks import HttpUrl

GrantType = Literal["client_credentials", "password", "refresh_token"]
# scope names as RFC 6749 writes them; which exist is checked against the settings
ScopeName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\x21\x23-\x5b\x5d-\x7e]+$")]
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _http_url(value: str) -> str:
    return str(_HTTP_URL.validate_python(value))


# kept as text: an http(s) URL, normalised the way pydantic writes it
RedirectUri = Annotated[str, Field(max_length=2000), AfterValidator(_http_url)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def _split(value: object) -> object:
    # the stored form is space-separated, as OAuth2 writes scopes
    return value.split() if isinstance(value, str) else value


class ClientCreate(BaseModel):
    """A client to register."""

    name: Name = Field(examples=["billing service"])
    grant_types: list[GrantType] = Field(min_length=1, max_length=3, examples=[["client_credentials"]])
    scopes: list[ScopeName] = Field(max_length=50, examples=[["billing:read"]])
    redirect_uris: list[RedirectUri] = Field(default_factory=list, max_length=20)
    confidential: bool = Field(default=True, description="false: a public client, with no secret")


class ClientUpdate(BaseModel):
    """Changes to a client; fields left out stay as they are."""

    name: Name | None = None
    grant_types: list[GrantType] | None = Field(default=None, min_length=1, max_length=3)
    scopes: list[ScopeName] | None = Field(default=None, max_length=50)
    redirect_uris: list[RedirectUri] | None = Field(default=None, max_length=20)


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

    _split_grant_types = field_validator("grant_types", "scopes", mode="before")(_split)


class ClientCreated(ClientOut):
    """A client just registered, with its secret: shown this once, kept only as a hash."""

    client_secret: str | None = Field(description="null for a public client")


class ClientSecret(BaseModel):
    """A client's new secret: the old one no longer works."""

    client_id: str
    client_secret: str
