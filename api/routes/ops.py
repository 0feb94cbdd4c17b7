"""Operations: health and the authorization server's metadata."""

from typing import Any

from fastapi import APIRouter, Request, Response, status

from api.core import scopes
from api.db.connection import database_is_reachable
from api.http.deps import State
from api.schemas.common import Health
from api.schemas.tokens import Jwks

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=Health,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Health, "description": "Database unreachable"}},
)
async def healthz(response: Response) -> Health:
    """Whether the service and its database answer."""
    if await database_is_reachable():
        return Health(status="ok", database="ok")
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(status="unavailable", database="unreachable")


# short: a service that cached the set finds a rotated key within a minute, and sooner when a token
# names a key it has not seen (JOSE libraries fetch the set again then)
_JWKS_CACHE = "public, max-age=60"
_CLIENT_AUTH = ["client_secret_basic", "client_secret_post"]


@router.get("/.well-known/oauth-authorization-server")
async def authorization_server_metadata(request: Request, state: State) -> dict[str, Any]:
    """The OAuth 2.0 authorization server metadata (RFC 8414)."""
    base = str(request.base_url).rstrip("/")
    token_endpoint = f"{base}/{state.settings.token_url}"
    return {
        "issuer": state.settings.jwt_issuer or base,
        "token_endpoint": token_endpoint,
        # "none": the password and refresh grants stay open to public clients, as in 0.1.0
        "token_endpoint_auth_methods_supported": [*_CLIENT_AUTH, "none"],
        "revocation_endpoint": f"{token_endpoint}/revoke",
        "revocation_endpoint_auth_methods_supported": ["none"],
        "introspection_endpoint": f"{token_endpoint}/introspect",
        "introspection_endpoint_auth_methods_supported": _CLIENT_AUTH,
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "grant_types_supported": ["password", "refresh_token", "client_credentials"],
        "scopes_supported": sorted(scopes.defined(state.settings.api_scopes)),
        "response_types_supported": [],
    }


@router.get("/.well-known/jwks.json", response_model=Jwks)
async def jwks(response: Response, state: State) -> dict[str, Any]:
    """The public keys that verify our tokens (RFC 7517); none under HS256."""
    response.headers["Cache-Control"] = _JWKS_CACHE
    return {"keys": state.keys.published()}
