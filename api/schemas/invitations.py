"""Pydantic models for invitations: the administrator's, and the invited person's acceptance."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from api.core import usernames
from api.core.emails import Email
from api.core.passwords import MAX_PASSWORD_LENGTH
from api.schemas.roles import Slug


class InvitationCreate(BaseModel):
    """An address to invite, and what the account it makes will be."""

    email: Email
    is_admin: StrictBool = False
    roles: list[Slug] = Field(default_factory=list, max_length=200, description="each an existing role")


class InvitationOut(BaseModel):
    """An invitation: the address it went to, and until when its link works."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    expires_at: datetime


class PendingInvitation(InvitationOut):
    """An invitation that can still be accepted, with what the account will be."""

    is_admin: bool
    roles: list[str]
    created_at: datetime


class InvitationAccept(BaseModel):
    """The mailed link's token, and the username and password of the new account."""

    token: str = Field(max_length=200)
    username: str = Field(examples=["alice"], description="3 to 150 letters, digits and @ . + - _")
    password: str = Field(max_length=MAX_PASSWORD_LENGTH, examples=["correct horse battery staple"])

    @field_validator("username")
    @classmethod
    def _username_rules(cls, value: str) -> str:
        normalized = usernames.normalize(value)
        if problem := usernames.problem(normalized):
            raise ValueError(problem)
        return normalized
