"""Pydantic models for e-mail verification and password reset."""

from pydantic import BaseModel, Field

from api.core.emails import Email
from api.core.passwords import MAX_PASSWORD_LENGTH
from api.schemas.common import Text


class EmailTokenBody(BaseModel):
    """The token of a link in a mail."""

    token: Text = Field(max_length=200)


class ForgotPassword(BaseModel):
    """The address a reset link should go to, if an account uses it."""

    email: Email


class PasswordReset(BaseModel):
    """The reset link's token, and the new password."""

    token: Text = Field(max_length=200)
    new_password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class Accepted(BaseModel):
    """What was accepted, in words (FastAPI's `detail`)."""

    detail: str
