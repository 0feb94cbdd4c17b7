"""Operations: health and the public keys."""

from typing import Any

from fastapi import APIRouter, Response, status

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


@router.get("/.well-known/jwks.json", response_model=Jwks)
async def jwks(response: Response, state: State) -> dict[str, Any]:
    """The public keys that verify our tokens and id_tokens (RFC 7517); never a symmetric key."""
    response.headers["Cache-Control"] = _JWKS_CACHE
    # read now, not from this worker's copy: another worker may have just signed with a key made since (the
    # id_tokens' first key, a rotation), and an app fetches the set right after its first id_token
    await state.keys.reload()
    return {"keys": state.keys.published()}
