"""Errors about logging in and calling with a token: grants, sessions, scopes, throttling."""

from http import HTTPStatus

from api.errors.accounts import RateLimited
from api.errors.base import DomainError


class InvalidCredentials(DomainError):
    """Unknown username or wrong password: deliberately the same error (the id is for the audit log only)."""

    detail = "Incorrect username or password"
    oauth_error = "invalid_grant"

    def __init__(self, user_id: int | None = None) -> None:
        super().__init__()
        self.user_id = user_id


class InvalidScope(DomainError):
    """A scope was asked for that does not exist or that the user may not have (the message names it)."""

    oauth_error = "invalid_scope"

    @property
    def message(self) -> str:
        return f"Scope not allowed: {self}"


class MissingFields(DomainError):
    """A token request without a field its grant needs (the message names it): RFC 6749's invalid_request."""

    def __init__(self, *names: str) -> None:
        listed = " and ".join(names)
        super().__init__(f"The {listed} field{'s are' if len(names) > 1 else ' is'} required")


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


class AppTokenRefused(DomainError):
    """A token issued to an app (it carries `client_id`) on a route only the account's owner may use."""

    status_code = HTTPStatus.FORBIDDEN
    detail = "Not allowed for an application's token"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}


class InvalidRefreshToken(DomainError):
    """Unknown, expired, revoked or already rotated refresh token."""

    detail = "Invalid, expired or revoked refresh token"
    oauth_error = "invalid_grant"


class SessionNotFound(DomainError):
    """No active session of this user has this id."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "Session not found"


class EmailNotVerified(DomainError):
    """REQUIRE_VERIFIED_EMAIL is on and the account's address is not verified yet."""

    detail = "Email not verified"
    oauth_error = "invalid_grant"


class Throttled(RateLimited):
    """Too many failed logins."""

    oauth_error = "throttled"
    too_many = "Too many failed login attempts"
