"""The provider's documents and claims: discovery (OpenID Connect and RFC 8414) and `/userinfo`."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import JSONResponse

from api.core import scopes
from api.errors import InsufficientScope
from api.http.credentials import bearer_token
from api.http.deps import State
from api.oidc import claims, discovery
from api.services import principals, role_claims

router = APIRouter(tags=["openid connect"])


@router.get("/.well-known/openid-configuration")
async def openid_configuration(state: State) -> dict[str, Any]:
    """The OpenID Provider's metadata (OpenID Connect Discovery 1.0)."""
    return discovery.openid_configuration(state.settings)


@router.get("/.well-known/oauth-authorization-server", tags=["operations"])
async def authorization_server_metadata(state: State) -> dict[str, Any]:
    """The OAuth 2.0 authorization server metadata (RFC 8414)."""
    return discovery.authorization_server(state.settings)


_USERINFO_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"description": "The token sent in the header and in the body"},
    status.HTTP_401_UNAUTHORIZED: {"description": "No token, or a bad, expired or revoked one"},
    status.HTTP_403_FORBIDDEN: {"description": "The token was not granted `openid`"},
}


@router.get("/userinfo", responses=_USERINFO_RESPONSES)
async def userinfo(request: Request, state: State) -> Response:
    """The signed-in user's claims, as far as the token's scopes allow (bearer token)."""
    return await _userinfo(bearer_token(request.headers.get("authorization")), state)


@router.post("/userinfo", responses=_USERINFO_RESPONSES)
async def userinfo_form(
    request: Request, state: State, access_token: Annotated[str | None, Form()] = None
) -> Response:
    """The same, with the token in the header or in an `access_token` form field."""
    header = bearer_token(request.headers.get("authorization"))
    if header is not None and access_token is not None:
        # RFC 6750 section 2: one method per request
        return _invalid_request("Send the token in one place, not two")
    return await _userinfo(header or access_token, state)


async def _userinfo(token: str | None, state: State) -> Response:
    principal = await principals.resolve(token, state, apps=True)
    if scopes.OPENID not in principal.scopes:
        raise InsufficientScope((scopes.OPENID,))
    roles = await role_claims.of_caller(principal)
    return JSONResponse(
        claims.user_claims(principal.user, principal.scopes, roles=roles),
        headers={"Cache-Control": "no-store"},
    )


def _invalid_request(description: str) -> JSONResponse:
    return JSONResponse(
        {"error": "invalid_request", "error_description": description, "detail": description},
        status_code=status.HTTP_400_BAD_REQUEST,
        headers={"WWW-Authenticate": 'Bearer error="invalid_request"'},
    )
