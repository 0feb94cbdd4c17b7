"""How credentials travel in: a bearer token, or else the login page's auth cookie."""

from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import HTTPConnection

from .. import web


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    return credentials if scheme.lower() == "bearer" and credentials else None


def presented_token(connection: HTTPConnection, bearer: str | None) -> str | None:
    """The access token the request presents: the bearer token, or else the auth cookie."""
    return bearer or connection.cookies.get(web.AUTH_COOKIE)
