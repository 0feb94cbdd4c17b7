"""Errors about registered OAuth2 clients: their authentication, grants and registration."""

from http import HTTPStatus

from api.errors.base import DomainError, FieldProblem


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


class ClientMisconfigured(FieldProblem):
    """A client registration the rules refuse: a scope nobody defined, or a public client's own grant."""
