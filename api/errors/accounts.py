"""Errors about accounts: registration, profile, passwords, e-mail links, administration."""

from http import HTTPStatus
from typing import ClassVar

from api.errors.base import DomainError, FieldProblem


class RegistrationClosed(DomainError):
    """Self-registration is switched off (REGISTRATION_OPEN=false)."""

    status_code = HTTPStatus.FORBIDDEN
    detail = "Registration is closed"


class UsernameTaken(DomainError):
    """Another account has this username (compared case-insensitively)."""

    status_code = HTTPStatus.CONFLICT
    detail = "Username already registered"


class EmailTaken(DomainError):
    """Another account has this e-mail address."""

    status_code = HTTPStatus.CONFLICT
    detail = "Email already registered"


class WeakPassword(FieldProblem):
    """The password breaks the policy; the message says how."""

    error_type = "password_policy"


class EmailRequired(FieldProblem):
    """REQUIRE_VERIFIED_EMAIL is on and the registration has no e-mail address."""

    error_type = "missing"


class WrongPassword(DomainError):
    """The signed-in user's password, asked again before a sensitive change, is wrong."""

    detail = "Incorrect password"


class UserNotFound(DomainError):
    """No account has this id."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "User not found"


class LastAdmin(DomainError):
    """The change would leave no active administrator."""

    status_code = HTTPStatus.CONFLICT
    detail = "Cannot remove the last admin"


class InvalidEmailToken(DomainError):
    """A link's token that is unknown, used, expired, or for an address the account no longer has."""

    detail = "Invalid or expired token"


class NoEmailAddress(DomainError):
    """The account has no e-mail address to verify."""

    detail = "No e-mail address"


class EmailAlreadyVerified(DomainError):
    """The account's address is verified already."""

    detail = "E-mail already verified"


class RateLimited(DomainError):
    """Too many requests of one kind (reset links, verification mails); `retry_after` in seconds."""

    status_code = HTTPStatus.TOO_MANY_REQUESTS
    too_many: ClassVar[str] = "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"{self.too_many}; try again in {retry_after} seconds")
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
