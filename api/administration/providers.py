"""An administrator's changes to the other identity providers people sign in with, each recorded with the
administrator as actor in the change's transaction."""

from tortoise.timezone import now

from api.db.models import IdentityProvider
from api.db.transactions import writing
from api.services.admin import Actor
from api.services.state import AppState
from api.social import providers


async def add(new: providers.NewProvider, *, state: AppState, actor: Actor) -> IdentityProvider:
    """Add an OpenID Connect provider; its discovery document is fetched and checked first."""

    async def recorded(added: IdentityProvider) -> None:
        await actor.record("client_admin", outcome="provider_added", provider=added.name)

    return await providers.register(
        new,
        sealer=state.provider_sealer,
        moment=now(),
        allow_http=state.settings.allow_http_providers,
        recorded=recorded,
    )


async def remove(name: str, *, actor: Actor) -> None:
    """Remove a provider; the identities linked to it go too."""
    async with writing():
        await providers.delete(name)
        await actor.record("client_admin", outcome="provider_removed", provider=name)


async def set_flags(
    name: str, *, link_verified_email: bool, create_accounts: bool, actor: Actor
) -> IdentityProvider:
    """Change whether a provider links by verified address, and whether it makes accounts."""
    async with writing():
        provider = await providers.get(name)
        provider.link_verified_email = link_verified_email
        provider.create_accounts = create_accounts
        await provider.save(update_fields=["link_verified_email", "create_accounts"])
        await actor.record("client_admin", outcome="provider_updated", provider=name)
    return provider
