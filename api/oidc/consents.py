"""Consents: what a user allowed an app to see, remembered so the next request for as much or less asks no
more; forgetting one also ends every session that app holds for the user."""

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from api.core import scopes
from api.db.models import Consent, OAuthClient
from api.db.transactions import writing
from api.errors import ConsentNotFound
from api.services import sessions

# each scope in words a person can weigh, on the consent page and the account page
IN_WORDS = {
    scopes.OPENID: "Know who you are: sign you in with your account here",
    scopes.PROFILE: "See your username and full name, and read and change your account",
    scopes.EMAIL: "See your e-mail address and whether it is verified",
    scopes.OFFLINE_ACCESS: "Keep access while you are away (until you remove it here)",
    scopes.ADMIN: "Manage every account (you are an administrator)",
    scopes.ROLES: "See your roles, which decide what you may do in the apps that use them",
}


def in_words(scope: str) -> str:
    """What a scope lets an app do, in words."""
    return IN_WORDS.get(scope, f"Use {scope} on your behalf")


@dataclass(frozen=True, slots=True)
class Granted:
    """One app the user allowed, with what it may see."""

    client_id: str
    client_name: str
    scopes: list[str]
    granted_at: datetime


async def covers(*, user_id: int, client_id: str, wanted: frozenset[str]) -> bool:
    """Whether the user already allowed this app every scope in `wanted`."""
    found = await Consent.get_or_none(user_id=user_id, client_id=client_id)
    return found is not None and wanted <= frozenset(found.scope.split())


async def must_ask(*, user_id: int, client: OAuthClient, granted: frozenset[str], prompted: bool) -> bool:
    """Whether the consent page is shown: when the app asks for it (`prompted`, even a trusted app), else
    unless the app is trusted or the user already allowed it all of `granted`."""
    if prompted:
        return True
    if client.trusted:
        return False
    return not await covers(user_id=user_id, client_id=client.client_id, wanted=granted)


async def remember(*, user_id: int, client: OAuthClient, allowed: frozenset[str], moment: datetime) -> None:
    """Remember that the user allowed these scopes (with those allowed before)."""
    found = await Consent.get_or_none(user_id=user_id, client_id=client.client_id)
    if found is None:
        try:
            await Consent.create(
                user_id=user_id, client=client, scope=scopes.render(allowed), granted_at=moment
            )
            return
        except IntegrityError:  # the same consent, given at once in another tab
            found = await Consent.get(user_id=user_id, client_id=client.client_id)
    found.scope = scopes.render(allowed | frozenset(found.scope.split()))
    found.granted_at = moment
    await found.save(update_fields=["scope", "granted_at"])


async def of_user(user_id: int) -> list[Granted]:
    """Every app the user allowed, most recent first."""
    found = await Consent.filter(user_id=user_id).select_related("client").order_by("-granted_at", "id")
    return [
        Granted(
            client_id=consent.client.client_id,
            client_name=consent.client.name,
            scopes=consent.scope.split(),
            granted_at=consent.granted_at,
        )
        for consent in found
    ]


async def forget(*, user_id: int, client_id: str, moment: datetime) -> None:
    """Forget what the user allowed the app, and end every session it holds for the user."""
    async with writing():
        if not await Consent.filter(user_id=user_id, client_id=client_id).delete():
            raise ConsentNotFound
        await sessions.end(user_id=user_id, client_id=client_id, moment=moment)
