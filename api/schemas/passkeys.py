"""Pydantic models for passkeys: the ceremonies' JSON forms, and a passkey as its owner sees it."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.core.passwords import MAX_PASSWORD_LENGTH
from api.schemas.common import Text

Name = Field(min_length=1, max_length=100)


class PasskeyOptionsRequest(BaseModel):
    """Your password, asked again before a passkey is added."""

    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class CreationOptions(BaseModel):
    """PublicKeyCredentialCreationOptionsJSON, for `navigator.credentials.create()`."""

    options: dict[str, Any]


class PasskeyCreate(BaseModel):
    """The browser's RegistrationResponseJSON (`PublicKeyCredential.toJSON()`), and a name for the passkey."""

    credential: dict[str, Any]
    name: Text | None = Field(default=None, max_length=100)


class PasskeyRename(BaseModel):
    """A passkey's new name."""

    name: Text = Name


class PasskeyOut(BaseModel):
    """A passkey: never its key."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    backed_up: bool


class SignInOptionsRequest(BaseModel):
    """Nothing: a discoverable sign-in names nobody."""

    model_config = ConfigDict(extra="ignore")


class SignInOptions(BaseModel):
    """PublicKeyCredentialRequestOptionsJSON, and the challenge's id to send back with the answer."""

    options: dict[str, Any]
    challenge_id: str
