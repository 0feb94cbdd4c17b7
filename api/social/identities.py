"""A user's identities at other providers: listed, and unlinked unless it is the last way to sign in."""

from dataclasses import dataclass
from datetime import datetime

from api.core.passwords import NO_PASSWORD
from api.db.models import Identity, Passkey, User
from api.db.transactions import writing
from api.errors import IdentityNotFound, LastSignInMethod


@dataclass(frozen=True, slots=True)
class Linked:
    """One identity of the user."""

    provider: str
    display_name: str
    subject: str
    email: str | None
    linked_at: datetime


async def of_user(user_id: int) -> list[Linked]:
    """The user's identities, oldest first."""
    found = await Identity.filter(user_id=user_id).select_related("provider").order_by("linked_at", "id")
    return [
        Linked(
            provider=identity.provider.name,
            display_name=identity.provider.display_name,
            subject=identity.subject,
            email=identity.email,
            linked_at=identity.linked_at,
        )
        for identity in found
    ]


async def unlink(user: User, *, provider: str) -> None:
    """Unlink the user's identity at `provider`; LastSignInMethod when nothing else would sign them in."""
    async with writing():
        found = await Identity.filter(user_id=user.id, provider_id=provider).select_for_update()
        if not found:
            raise IdentityNotFound
        others = await Identity.filter(user_id=user.id).exclude(provider_id=provider).count()
        has_passkey = await Passkey.filter(user_id=user.id).exists()
        if user.password_hash == NO_PASSWORD and not has_passkey and not others:
            raise LastSignInMethod
        await Identity.filter(user_id=user.id, provider_id=provider).delete()
