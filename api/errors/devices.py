"""Errors of the device flow (RFC 8628): the device authorization endpoint's, and the token endpoint's
answers to a device polling (section 3.5); a denial is the authorization endpoint's AccessDenied."""

from api.errors.base import DomainError


class DeviceScopeRefused(DomainError):
    """A device authorization request without scope, or with one the client may not ask for."""

    detail = "scope is required"
    oauth_error = "invalid_scope"


class AuthorizationPending(DomainError):
    """The person has not decided yet: the device polls again after `interval`."""

    detail = "The user has not decided yet"
    oauth_error = "authorization_pending"


class SlowDown(DomainError):
    """The device polled before `interval` had passed: it waits 5 seconds more from now on."""

    detail = "Polling too fast: wait 5 seconds more between requests"
    oauth_error = "slow_down"


class ExpiredToken(DomainError):
    """The device code has expired: the device starts again."""

    detail = "The device code has expired"
    oauth_error = "expired_token"


class InvalidDeviceCode(DomainError):
    """A device code that is not (or no longer) one of this client's: unknown, or already used."""

    detail = "Invalid device code"
    oauth_error = "invalid_grant"


class UnknownUserCode(DomainError):
    """The code a person typed matches no device waiting for a decision (wrong, expired, or decided)."""

    detail = "That code is not valid: check it on your device, or start again there"
