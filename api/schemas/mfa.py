"""Pydantic models for two-factor authentication."""

from pydantic import BaseModel, Field

from api.core.passwords import MAX_PASSWORD_LENGTH
from api.schemas.common import Text


class PasswordConfirmation(BaseModel):
    """Your password, asked again before a change to two-factor."""

    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class TotpCode(BaseModel):
    """A code from the authenticator app."""

    code: Text = Field(max_length=20, examples=["123456"])


class TotpEnrolment(BaseModel):
    """A new TOTP secret, not in force until a code from it is confirmed."""

    secret: str = Field(description="base32, for typing into an authenticator app")
    otpauth_uri: str = Field(description="the otpauth:// URI the QR code holds")
    qr_svg: str = Field(description="the QR code as an SVG document")


class RecoveryCodes(BaseModel):
    """Ten single-use recovery codes, shown this once."""

    recovery_codes: list[str]
