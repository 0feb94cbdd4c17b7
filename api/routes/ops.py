"""Operations: health."""

from fastapi import APIRouter, Response, status

from ..db import database_is_reachable
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
