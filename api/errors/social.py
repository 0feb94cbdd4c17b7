"""Errors of signing in with another identity provider: its registration, a failed sign-in, unlinking."""

from http import HTTPStatus

from api.errors.base import DomainError, FieldProblem


class ProviderRefused(FieldProblem):
    """An identity provider that cannot be registered: unreachable issuer, mismatched `issuer`, bad name."""


class ProviderNameTaken(DomainError):
    """Another identity provider has this name."""

    status_code = HTTPStatus.CONFLICT
    detail = "An identity provider with this name exists"


class ProviderNotFound(DomainError):
    """No identity provider has this name."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "Identity provider not found"


class IdentityNotFound(DomainError):
    """The user has no identity at this provider."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "No identity at this provider"


class LastSignInMethod(DomainError):
    """Unlinking would leave the account with no way to sign in."""

    status_code = HTTPStatus.CONFLICT
    detail = "This is your last way to sign in: set a password or add a passkey first"


class SocialSignInFailed(DomainError):
    """A sign-in with another provider that did not work: the login page says why, nothing changed."""

    detail = "Signing in with that provider did not work"


class AddressInUse(DomainError):
    """A local account uses the provider's address, and it may not be linked automatically."""

    status_code = HTTPStatus.CONFLICT
    detail = "An account already uses this e-mail address"
