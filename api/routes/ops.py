"""Operations: health and the authorization server's metadata."""

from typing import Any

from fastapi import APIRouter, Request, Response, status

from .. import scopes
from ..db import database_is_reachable
from ..deps import State
from ..schemas import Health

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


@router.get("/.well-known/oauth-authorization-server")
async def authorization_server_metadata(request: Request, state: State) -> dict[str, Any]:
    """The OAuth 2.0 authorization server metadata (RFC 8414)."""
    base = str(request.base_url).rstrip("/")
    token_endpoint = f"{base}/{state.settings.token_url}"
    return {
        "issuer": state.settings.jwt_issuer or base,
        "token_endpoint": token_endpoint,
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint": f"{token_endpoint}/revoke",
        "revocation_endpoint_auth_methods_supported": ["none"],
        "grant_types_supported": ["password", "refresh_token"],
        "scopes_supported": sorted(scopes.DESCRIPTIONS),
        "response_types_supported": [],
    }
