"""Domain errors, raised by the services; each declares its HTTP answer once, and one handler gives it.

`status_code`, `detail` and `headers` make the answer `{"detail": ...}`; `oauth_error` is the RFC 6749 error
code the token endpoint answers instead; `field` makes it FastAPI's 422 shape for that body field.
"""

from http import HTTPStatus
from typing import ClassVar


class DomainError(Exception):
    """Base of every error the services raise on purpose."""

    status_code: ClassVar[int] = HTTPStatus.BAD_REQUEST
    detail: ClassVar[str] = "Bad request"
    oauth_error: ClassVar[str] = "invalid_request"

    @property
    def message(self) -> str:
        """What the person is told: the class's detail, or the message it was raised with."""
        return str(self) if self.args else self.detail

    @property
    def headers(self) -> dict[str, str]:
        """Headers that go with the answer."""
        return {}


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


class FieldProblem(DomainError):
    """A body field the schema accepts but the rules refuse: FastAPI's 422 shape, for `field`."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY  # 422; Python 3.13 names it UNPROCESSABLE_CONTENT
    error_type: ClassVar[str] = "value_error"

    def __init__(self, problem: str, *, field: str) -> None:
        super().__init__(problem)
        self.field = field


class WeakPassword(FieldProblem):
    """The password breaks the policy; the message says how."""

    error_type = "password_policy"


class EmailRequired(FieldProblem):
    """REQUIRE_VERIFIED_EMAIL is on and the registration has no e-mail address."""

    error_type = "missing"


class ClientMisconfigured(FieldProblem):
    """A client registration the rules refuse: a scope nobody defined, or a public client's own grant."""


class InvalidCredentials(DomainError):
    """Unknown username or wrong password: deliberately the same error (the id is for the audit log only)."""

    detail = "Incorrect username or password"
    oauth_error = "invalid_grant"

    def __init__(self, user_id: int | None = None) -> None:
        super().__init__()
        self.user_id = user_id


class WrongPassword(DomainError):
    """The signed-in user's password, asked again before a sensitive change, is wrong."""

    detail = "Incorrect password"


class InvalidScope(DomainError):
    """A scope was asked for that does not exist or that the user may not have (the message names it)."""

    oauth_error = "invalid_scope"

    @property
    def message(self) -> str:
        return f"Scope not allowed: {self}"


class InactiveUser(DomainError):
    """The account is disabled."""

    detail = "Inactive user"
    oauth_error = "invalid_grant"


class SessionEnded(DomainError):
    """The token's session was revoked or has expired, or its user is gone."""

    status_code = HTTPStatus.UNAUTHORIZED
    detail = "Could not validate credentials"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class InvalidAccessToken(SessionEnded):
    """The access token is malformed, forged, expired or not an access token."""


class NotAuthenticated(DomainError):
    """The request carries no credentials at all."""

    status_code = HTTPStatus.UNAUTHORIZED
    detail = "Not authenticated"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class InsufficientScope(DomainError):
    """The token lacks a scope the route needs."""

    status_code = HTTPStatus.FORBIDDEN
    detail = "Not enough permissions"

    def __init__(self, required: tuple[str, ...]) -> None:
        super().__init__()
        self.required = required

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(self.required)}"'}


class InvalidRefreshToken(DomainError):
    """Unknown, expired, revoked or already rotated refresh token."""

    detail = "Invalid, expired or revoked refresh token"
    oauth_error = "invalid_grant"


class SessionNotFound(DomainError):
    """No active session of this user has this id."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "Session not found"


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


class EmailNotVerified(DomainError):
    """REQUIRE_VERIFIED_EMAIL is on and the account's address is not verified yet."""

    detail = "Email not verified"
    oauth_error = "invalid_grant"


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


class Throttled(RateLimited):
    """Too many failed logins."""

    oauth_error = "throttled"
    too_many = "Too many failed login attempts"


class InvalidClient(DomainError):
    """Client authentication failed: unknown client, wrong secret, or none given where one is needed."""

    status_code = HTTPStatus.UNAUTHORIZED
    detail = "Client authentication failed"
    oauth_error = "invalid_client"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Basic"}


class UnauthorizedClient(DomainError):
    """The client is registered, but not for this grant type."""

    detail = "The client may not use this grant type"
    oauth_error = "unauthorized_client"


class ClientNotFound(DomainError):
    """No registered client has this id."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "Client not found"


class PublicClient(DomainError):
    """A public client has no secret to replace."""

    status_code = HTTPStatus.CONFLICT
    detail = "A public client has no secret"
