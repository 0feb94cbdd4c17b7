"""How credentials travel in: a bearer token or the login page's auth cookie; a client's id and secret."""

import base64
import binascii
from urllib.parse import unquote_plus

from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import HTTPConnection

from api.errors import InvalidClient
from api.http import browser
from api.http.oauth_errors import Refusal
from api.schemas.common import CLIENT_ID_MAX_LENGTH
from api.services.clients import ClientCredentials


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    return credentials if scheme.lower() == "bearer" and credentials else None


def presented_token(connection: HTTPConnection, bearer: str | None) -> str | None:
    """The access token the request presents: the bearer token, or else the auth cookie."""
    return bearer or connection.cookies.get(browser.AUTH_COOKIE)


def client_credentials(
    authorization: str | None, *, form_id: str | None, form_secret: str | None
) -> ClientCredentials | None:
    """The client's credentials from HTTP Basic (client_secret_basic) or the form (client_secret_post).

    RFC 6749 section 2.3.1: the id and secret are form-urlencoded before Basic joins them, and a client uses
    one method only. None when the request names no client.
    """
    scheme, encoded = get_authorization_scheme_param(authorization)
    # Swagger UI's Authorize sends `Basic` of ":" when its client fields are left empty: that names nobody
    if scheme.lower() != "basic" or _basic(encoded) == ":":
        if form_id is None:
            if form_secret is not None:
                raise InvalidClient
            return None
        return ClientCredentials(client_id=form_id, secret=form_secret)
    if form_secret is not None or (form_id is not None and form_id != _basic_id(encoded)):
        raise Refusal("invalid_request", "Use one client authentication method, not two")
    client_id, _, secret = _basic(encoded).partition(":")
    return ClientCredentials(client_id=_named(unquote_plus(client_id)), secret=unquote_plus(secret))


def _named(client_id: str) -> str:
    # the form's client_id is checked by its schema; Basic's arrives here, and names nobody we registered
    if "\x00" in client_id or len(client_id) > CLIENT_ID_MAX_LENGTH:
        raise InvalidClient
    return client_id


def _basic(encoded: str) -> str:
    try:
        return base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClient from None


def _basic_id(encoded: str) -> str:
    return unquote_plus(_basic(encoded).partition(":")[0])
