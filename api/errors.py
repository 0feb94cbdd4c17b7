"""Domain errors, raised by the services and turned into HTTP answers only by the routes."""


class DomainError(Exception):
    """Base of every error the services raise on purpose."""


class RegistrationClosed(DomainError):
    """Self-registration is switched off (REGISTRATION_OPEN=false)."""


class UsernameTaken(DomainError):
    """Another account has this username (compared case-insensitively)."""


class EmailTaken(DomainError):
    """Another account has this e-mail address."""


class WeakPassword(DomainError):
    """The password breaks the policy; the message says how."""


class InvalidCredentials(DomainError):
    """Unknown username or wrong password: deliberately the same error (the id is for the audit log only)."""

    def __init__(self, user_id: int | None = None) -> None:
        super().__init__("invalid credentials")
        self.user_id = user_id


class InvalidScope(DomainError):
    """A scope was asked for that does not exist or that the user may not have."""


class InactiveUser(DomainError):
    """The account is disabled."""


class UnknownUser(DomainError):
    """No account has this id (any more)."""


class InvalidRefreshToken(DomainError):
    """Unknown, expired, revoked or already rotated refresh token."""


class SessionNotFound(DomainError):
    """No active session of this user has this id."""


class UserNotFound(DomainError):
    """No account has this id."""


class LastAdmin(DomainError):
    """The change would leave no active administrator."""


class Throttled(DomainError):
    """Too many failed logins; `retry_after` says how many seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} seconds")
        self.retry_after = retry_after
