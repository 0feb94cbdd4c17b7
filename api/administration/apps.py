"""An administrator's changes to the registered apps (OAuth2 clients): a secret is shown once, when made.
Each change and its audit row are one transaction."""

from typing import Any

from tortoise.timezone import now

from api.db.models import OAuthClient
from api.db.transactions import writing
from api.services import clients
from api.services.admin import Actor


async def page(*, limit: int, offset: int) -> tuple[list[OAuthClient], int]:
    """One page of the registered apps, oldest first, and how many there are."""
    query = OAuthClient.all()
    return await query.order_by("created_at", "client_id").offset(offset).limit(limit), await query.count()


async def register(
    registration: clients.Registration, *, defined: frozenset[str], actor: Actor
) -> tuple[OAuthClient, str | None]:
    """Register an app; its secret (None for a public client), never shown again."""
    async with writing():
        registered, secret = await clients.register(registration, defined=defined, moment=now())
        await actor.record("client_admin", outcome="created", client_id=registered.client_id)
    return registered, secret


async def update(
    client_id: str, *, changes: dict[str, Any], defined: frozenset[str], actor: Actor
) -> OAuthClient:
    """Change an app; its tokens lose at once any scope it no longer holds."""
    async with writing():
        updated = await clients.update(client_id, changes=changes, defined=defined)
        await actor.record("client_admin", outcome="updated", client_id=client_id)
    return updated


async def delete(client_id: str, *, actor: Actor) -> None:
    """Delete an app; its tokens stop working at once."""
    async with writing():
        await clients.delete(client_id, moment=actor.moment)
        await actor.record("client_admin", outcome="deleted", client_id=client_id)


async def new_secret(client_id: str, *, actor: Actor) -> str:
    """A confidential app's new secret; the old one stops working at once."""
    async with writing():
        secret = await clients.new_secret(client_id)
        await actor.record("client_admin", outcome="new_secret", client_id=client_id)
    return secret
