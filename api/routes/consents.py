"""The apps a user allowed (OpenID Connect consents): listed, and forgotten with every token they hold."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.http.deps import CurrentUser, Source, State
from api.observability import audit
from api.oidc import consents
from api.oidc.consents import Granted
from api.routes.responses import AUTHENTICATED
from api.schemas.common import CLIENT_ID_MAX_LENGTH, Text
from api.schemas.consents import ConsentOut

router = APIRouter(prefix="/user/me/consents", tags=["users"], responses=AUTHENTICATED)


@router.get("", response_model=list[ConsentOut])
async def list_consents(user: CurrentUser) -> list[Granted]:
    """The apps you allowed to sign you in, with what each may see."""
    return await consents.of_user(user.id)


@router.delete(
    "/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={status.HTTP_404_NOT_FOUND: {"description": "You have not allowed this app anything"}},
)
async def forget_consent(
    client_id: Annotated[Text, Path(max_length=CLIENT_ID_MAX_LENGTH)],
    user: CurrentUser,
    source: Source,
    state: State,
) -> Response:
    """Take back what you allowed an app: it asks again next time, and every token it holds stops working."""
    await consents.forget(user_id=user.id, client_id=client_id, moment=state.clock())
    audit.record(
        "consent_revoked",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user.id,
        client_id=client_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
