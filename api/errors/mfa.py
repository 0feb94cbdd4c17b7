"""Errors about two-factor authentication: enrolment, codes, and the login's second step."""

from http import HTTPStatus

from api.errors.base import DomainError


class MfaAlreadyOn(DomainError):
    """Two-factor is on already: turn it off before setting up a new secret."""

    status_code = HTTPStatus.CONFLICT
    detail = "Two-factor authentication is already on"


class MfaOff(DomainError):
    """Two-factor is off (or its setup was never begun), so there is nothing to confirm or regenerate."""

    detail = "Two-factor authentication is off"


class InvalidCode(DomainError):
    """The code that should confirm a new TOTP secret is wrong."""

    detail = "Invalid code"


class InvalidOneTimeCode(DomainError):
    """A login's one-time code (TOTP or recovery code) is wrong, reused or for another account."""

    detail = "Invalid one-time code"
    oauth_error = "invalid_grant"

    def __init__(self, user_id: int | None = None) -> None:
        super().__init__()
        self.user_id = user_id


class InvalidMfaToken(DomainError):
    """The mfa_token is unknown, used, expired, or spent by too many wrong codes."""

    detail = "Invalid or expired mfa_token"
    oauth_error = "invalid_grant"


class MfaRequired(DomainError):
    """The password was right and a second factor is needed: the answer carries the login's mfa_token."""

    status_code = HTTPStatus.FORBIDDEN
    detail = "Two-factor authentication required"
    oauth_error = "mfa_required"

    def __init__(self, mfa_token: str, *, user_id: int) -> None:
        super().__init__()
        self.mfa_token = mfa_token
        self.user_id = user_id

    @property
    def oauth_extra(self) -> dict[str, str]:
        return {"mfa_token": self.mfa_token}
