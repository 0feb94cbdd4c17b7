"""Errors of the OpenID Connect provider: the authorization endpoint's, the code grant's, consents'."""

from http import HTTPStatus

from api.errors.base import DomainError


class UnverifiedRedirect(DomainError):
    """An unknown client, or a redirect URI that is not one of its own: answered with a page, never a
    redirect (it would send the browser wherever the request says)."""

    detail = "This sign-in link is not valid"


class AuthorizationRefused(DomainError):
    """An authorization request refused after its client and redirect URI were checked: the browser goes
    back to the app with `error` (`oauth_error`) and `error_description`."""

    detail = "The request is malformed"


class UnsupportedResponseType(AuthorizationRefused):
    """`response_type` is not `code`."""

    detail = "Only response_type=code is supported"
    oauth_error = "unsupported_response_type"


class RequestObjectRefused(AuthorizationRefused):
    """`request` or `request_uri`: request objects are not supported."""

    detail = "Request objects (request, request_uri) are not supported"
    oauth_error = "request_not_supported"


class ScopeRefused(AuthorizationRefused):
    """A scope the client may not ask for."""

    oauth_error = "invalid_scope"


class ClientNotAllowed(AuthorizationRefused):
    """The client is not registered for the authorization code grant."""

    detail = "The client may not use the authorization code flow"
    oauth_error = "unauthorized_client"


class LoginRequired(AuthorizationRefused):
    """`prompt=none`, but the user must sign in first."""

    detail = "The user is not signed in"
    oauth_error = "login_required"


class ConsentRequired(AuthorizationRefused):
    """`prompt=none`, but the user has not allowed these scopes yet."""

    detail = "The user has not allowed this app yet"
    oauth_error = "consent_required"


class AccessDenied(AuthorizationRefused):
    """The user said no."""

    detail = "The user denied the request"
    oauth_error = "access_denied"


class InvalidAuthorizationCode(DomainError):
    """The token endpoint refuses a code: unknown, expired, used, another client's, or not matching the
    redirect URI or PKCE verifier of its request (the message says which)."""

    detail = "Invalid or expired authorization code"
    oauth_error = "invalid_grant"


class CodeReused(InvalidAuthorizationCode):
    """A code presented after it was redeemed: the session it opened has been revoked."""

    def __init__(self, *, user_id: int, client_id: str) -> None:
        super().__init__("The authorization code was already used")
        self.user_id = user_id
        self.client_id = client_id


class ConsentNotFound(DomainError):
    """The user has not allowed this client anything."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "No consent for this client"


class InvalidLogoutRequest(DomainError):
    """An end-session request with a hint that is not ours, or for another client."""

    detail = "The logout request is not valid"
