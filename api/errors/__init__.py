"""Domain errors, raised by the services; each declares its HTTP answer once, and one handler gives it.

`status_code`, `detail` and `headers` make the answer `{"detail": ...}`; `oauth_error` is the RFC 6749 error
code the token endpoint answers instead; `field` makes it FastAPI's 422 shape for that body field.
"""

from api.errors.accounts import (
    EmailAlreadyVerified,
    EmailRequired,
    EmailTaken,
    InvalidEmailToken,
    LastAdmin,
    NoEmailAddress,
    RateLimited,
    RegistrationClosed,
    UsernameTaken,
    UserNotFound,
    WeakPassword,
    WrongPassword,
)
from api.errors.auth import (
    EmailNotVerified,
    InactiveUser,
    InsufficientScope,
    InvalidAccessToken,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidScope,
    NotAuthenticated,
    SessionEnded,
    SessionNotFound,
    Throttled,
)
from api.errors.base import DomainError, FieldProblem
from api.errors.clients import (
    ClientMisconfigured,
    ClientNotFound,
    InvalidClient,
    PublicClient,
    UnauthorizedClient,
)
from api.errors.mfa import InvalidCode, InvalidMfaToken, InvalidOneTimeCode, MfaAlreadyOn, MfaOff, MfaRequired

__all__ = [
    "InvalidCode",
    "InvalidMfaToken",
    "InvalidOneTimeCode",
    "MfaAlreadyOn",
    "MfaOff",
    "MfaRequired",
    "ClientMisconfigured",
    "ClientNotFound",
    "DomainError",
    "EmailAlreadyVerified",
    "EmailNotVerified",
    "EmailRequired",
    "EmailTaken",
    "FieldProblem",
    "InactiveUser",
    "InsufficientScope",
    "InvalidAccessToken",
    "InvalidClient",
    "InvalidCredentials",
    "InvalidEmailToken",
    "InvalidRefreshToken",
    "InvalidScope",
    "LastAdmin",
    "NoEmailAddress",
    "NotAuthenticated",
    "PublicClient",
    "RateLimited",
    "RegistrationClosed",
    "SessionEnded",
    "SessionNotFound",
    "Throttled",
    "UnauthorizedClient",
    "UserNotFound",
    "UsernameTaken",
    "WeakPassword",
    "WrongPassword",
]
