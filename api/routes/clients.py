"""Registered OAuth2 clients (scope `admin`): secrets are shown once, when made."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from api.administration import apps
from api.core import scopes
from api.db.models import OAuthClient
from api.http.deps import AdminActor, AdminUser, State
from api.routes.responses import AUTHENTICATED
from api.schemas.clients import ClientCreate, ClientCreated, ClientOut, ClientSecret, ClientUpdate
from api.schemas.common import CLIENT_ID_MAX_LENGTH, Text
from api.services import clients
from api.services.state import AppState

router = APIRouter(prefix="/clients", tags=["clients"], responses=AUTHENTICATED)

ClientId = Annotated[Text, Path(max_length=CLIENT_ID_MAX_LENGTH)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"description": "Client not found"}}


def _defined(state: AppState) -> frozenset[str]:
    return frozenset(scopes.defined(state.settings.api_scopes))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ClientCreated)
async def create_client(body: ClientCreate, actor: AdminActor, state: State) -> ClientCreated:
    """Register a client; the answer holds its secret, which is never shown again."""
    registered, secret = await apps.register(
        clients.Registration(**body.model_dump()), defined=_defined(state), actor=actor
    )
    return ClientCreated.model_validate(
        {**ClientOut.model_validate(registered).model_dump(), "client_secret": secret}
    )


@router.get("", response_model=list[ClientOut])
async def list_clients(_admin: AdminUser) -> list[OAuthClient]:
    """Every registered client, oldest first."""
    return await clients.every()


@router.get("/{client_id}", response_model=ClientOut, responses=NOT_FOUND)
async def read_client(client_id: ClientId, _admin: AdminUser) -> OAuthClient:
    """One client."""
    return await clients.get(client_id)


@router.patch("/{client_id}", response_model=ClientOut, responses=NOT_FOUND)
async def update_client(
    client_id: ClientId, body: ClientUpdate, actor: AdminActor, state: State
) -> OAuthClient:
    """Change a client; its tokens lose at once any scope it no longer holds."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    # null is a value here: every role again, no back-channel logout
    for nullable in ("allowed_roles", "backchannel_logout_uri"):
        if nullable in body.model_fields_set:
            changes[nullable] = getattr(body, nullable)
    return await apps.update(client_id, changes=changes, defined=_defined(state), actor=actor)


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_client(client_id: ClientId, actor: AdminActor) -> None:
    """Delete a client; its tokens stop working at once."""
    await apps.delete(client_id, actor=actor)


@router.post("/{client_id}/secret", response_model=ClientSecret, responses=NOT_FOUND)
async def rotate_client_secret(client_id: ClientId, actor: AdminActor) -> ClientSecret:
    """Give a confidential client a new secret; the old one stops working at once."""
    secret = await apps.new_secret(client_id, actor=actor)
    return ClientSecret(client_id=client_id, client_secret=secret)
