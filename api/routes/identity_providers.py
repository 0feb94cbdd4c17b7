"""Other identity providers through the API: your linked identities, and the providers themselves (scope
`admin`)."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from api.administration import providers as managed
from api.db.models import IdentityProvider
from api.http.deps import AdminActor, AdminUser, CurrentUser, Source, State
from api.observability import audit
from api.routes.responses import AUTHENTICATED
from api.schemas.common import Text
from api.schemas.social import IdentityOut, ProviderCreate, ProviderOut
from api.social import identities, providers
from api.social.identities import Linked

ProviderName = Annotated[Text, Path(max_length=40)]
mine = APIRouter(prefix="/user/me/identities", tags=["identity providers"], responses=AUTHENTICATED)
admin = APIRouter(prefix="/identity-providers", tags=["identity providers"], responses=AUTHENTICATED)


@mine.get("", response_model=list[IdentityOut])
async def list_identities(user: CurrentUser) -> list[Linked]:
    """Your identities at other providers."""
    return await identities.of_user(user.id)


@mine.delete(
    "/{provider}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        status.HTTP_404_NOT_FOUND: {"description": "No identity at this provider"},
        status.HTTP_409_CONFLICT: {"description": "The last way to sign in"},
    },
)
async def unlink_identity(provider: ProviderName, user: CurrentUser, source: Source) -> Response:
    """Unlink your identity at a provider, unless it is your last way to sign in."""
    await identities.unlink(user, provider=provider)
    audit.record(
        "identity_unlinked",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user.id,
        provider=provider,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"description": "Identity provider not found"}
}


@admin.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProviderOut,
    responses={status.HTTP_409_CONFLICT: {"description": "The name is taken"}},
)
async def add_provider(body: ProviderCreate, actor: AdminActor, state: State) -> IdentityProvider:
    """Add an OpenID Connect provider to sign in with; its discovery document is fetched and checked."""
    return await managed.add(providers.NewProvider(**body.model_dump()), state=state, actor=actor)


@admin.get("", response_model=list[ProviderOut])
async def list_providers(_admin: AdminUser) -> list[IdentityProvider]:
    """Every provider."""
    return await providers.every()


@admin.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def remove_provider(name: ProviderName, actor: AdminActor) -> Response:
    """Remove a provider; the identities linked to it go too."""
    await managed.remove(name, actor=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
