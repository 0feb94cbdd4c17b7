"""Pydantic models for accounts: registration, the profile, passwords, sessions and administration."""

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from api.core import usernames
from api.core.emails import Email
from api.core.passwords import MAX_PASSWORD_LENGTH
from api.db.models import User


def _printable(value: str | None) -> str | None:
    if value is not None and any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("Must not contain control characters")
    return value


# a name as people write it: any text, but no NUL, newline or other control character
FullName = Annotated[str | None, Field(default=None, max_length=200), AfterValidator(_printable)]


def _boolean_only(schema: JsonDict) -> None:
    # the route refuses null (422) like any other non-boolean: the flag is left out to keep it as it is
    schema.pop("anyOf", None)
    schema.pop("default", None)
    schema["type"] = "boolean"


Flag = Annotated[bool | None, Field(json_schema_extra=_boolean_only)]


def _list_only(schema: JsonDict) -> None:
    # never null: the answer leaves `roles` out when the token was not granted the scope
    schema.pop("anyOf", None)
    schema.pop("default", None)
    schema.update(type="array", items={"type": "string"})


class UserCreate(BaseModel):
    """A self-registration."""

    username: str = Field(examples=["alice"], description="3 to 150 letters, digits and @ . + - _")
    password: str = Field(max_length=MAX_PASSWORD_LENGTH, examples=["correct horse battery staple"])
    email: Email | None = None
    full_name: FullName = None

    @field_validator("username")
    @classmethod
    def _username_rules(cls, value: str) -> str:
        normalized = usernames.normalize(value)
        if problem := usernames.problem(normalized):
            raise ValueError(problem)
        return normalized


class ProfileUpdate(BaseModel):
    """Changes to your own profile; fields left out stay as they are."""

    email: Email | None = None
    full_name: FullName = None


class PasswordChange(BaseModel):
    """The current password, and the new one."""

    current_password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class AccountDeletion(BaseModel):
    """The password, to confirm deleting the account."""

    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class SessionOut(BaseModel):
    """An active session (one login), as its owner sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    ip: str | None


class UserOut(BaseModel):
    """An account as the API shows it: never a password or a hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str | None
    full_name: str | None
    disabled: bool
    is_admin: bool
    created_at: datetime
    email_verified: bool
    mfa_enabled: bool


class MeOut(UserOut):
    """Your own account, with your roles when the token was granted the `roles` scope."""

    roles: list[str] | None = Field(
        default=None,
        json_schema_extra=_list_only,
        description="Your effective roles, sorted (an app's token: those the app may see); only with the "
        "`roles` scope",
    )


class UserPage(BaseModel):
    """One page of accounts, and how many there are in all."""

    items: list[UserOut]
    total: int


class AdminUserUpdate(BaseModel):
    """What an administrator may change in any account; fields left out stay as they are."""

    disabled: Flag = None
    is_admin: Flag = None
    email: Email | None = None
    full_name: FullName = None


def user_json(user: User, *, roles: list[str] | None = None) -> bytes:
    """`MeOut` as JSON, serialised once by pydantic (FastAPI would validate the model a second time); the
    roles only when they are given."""
    if roles is None:
        return UserOut.model_validate(user).model_dump_json().encode()
    shown = MeOut.model_validate(user)
    shown.roles = roles
    return shown.model_dump_json().encode()
