"""The identity providers users may sign in with: registered by an administrator (the issuer's discovery
document fetched and checked), listed, removed with every identity linked to them."""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from api.core.sealing import Sealer
from api.db.models import IdentityProvider
from api.db.transactions import writing
from api.errors import ProviderNameTaken, ProviderNotFound, ProviderRefused
from api.social import discovery
from api.social.outbound import ProviderUnavailable

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
DEFAULT_SCOPES = "openid email profile"


@dataclass(frozen=True, slots=True)
class NewProvider:
    """A provider to register."""

    name: str
    display_name: str
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: str = DEFAULT_SCOPES
    link_verified_email: bool = False
    create_accounts: bool = True


async def register(
    new: NewProvider,
    *,
    sealer: Sealer,
    moment: datetime,
    allow_http: bool,
    recorded: Callable[[IdentityProvider], Awaitable[None]] | None = None,
) -> IdentityProvider:
    """Register a provider once its discovery document checks out (`allow_http`: ALLOW_HTTP_PROVIDERS);
    `recorded` stores the audit row in the transaction that stores the provider (not around the fetch)."""
    if not NAME.fullmatch(new.name):
        raise ProviderRefused("a name is a slug: lower-case letters, digits and dashes", field="name")
    if await IdentityProvider.exists(name=new.name):
        raise ProviderNameTaken
    try:
        await discovery.fetch(new.issuer, allow_http=allow_http)
    except ProviderUnavailable as exc:
        raise ProviderRefused(
            f"the issuer's discovery document does not check out: {exc}", field="issuer"
        ) from None
    scopes = " ".join(dict.fromkeys(new.scopes.split()))
    if "openid" not in scopes.split():
        raise ProviderRefused("the scopes must include openid", field="scopes")
    try:
        async with writing():
            added = await IdentityProvider.create(
                name=new.name,
                display_name=new.display_name,
                issuer=new.issuer,
                client_id=new.client_id,
                sealed_secret=sealer.seal(new.client_secret.encode(), context=new.name)
                if new.client_secret
                else None,
                scopes=scopes,
                link_verified_email=new.link_verified_email,
                create_accounts=new.create_accounts,
                created_at=moment,
            )
            if recorded is not None:
                await recorded(added)
    except IntegrityError:
        raise ProviderNameTaken from None
    return added


async def every() -> list[IdentityProvider]:
    """Every provider, in the order they were added."""
    return await IdentityProvider.all().order_by("created_at", "name")


async def get(name: str) -> IdentityProvider:
    """The provider with this name."""
    found = await IdentityProvider.get_or_none(name=name) if len(name) <= 40 else None
    if found is None:
        raise ProviderNotFound
    return found


async def delete(name: str) -> None:
    """Remove a provider; the identities linked to it go too."""
    if not await IdentityProvider.filter(name=name).delete():
        raise ProviderNotFound


def client_secret(provider: IdentityProvider, *, sealer: Sealer) -> str | None:
    """The provider's client secret, opened."""
    if provider.sealed_secret is None:
        return None
    return sealer.open(provider.sealed_secret, context=provider.name).decode()
