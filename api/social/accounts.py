"""Which account a sign-in at another provider is: the identity's own (issuer, subject), the signed-in user
linking it, a local account with the same address only when both sides verified it and the provider is
trusted to link, or else a new account. Never matched on an e-mail address alone."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from api.core import usernames
from api.core.passwords import NO_PASSWORD
from api.db.models import Identity, IdentityProvider, User
from api.db.transactions import writing
from api.errors import AddressInUse, SocialSignInFailed
from api.social.claims import Claims


@dataclass(frozen=True, slots=True)
class Outcome:
    """The account signed in, and what happened to it: "signed_in", "linked" or "created"."""

    user: User
    what: str


async def resolve(
    provider: IdentityProvider,
    claims: Claims,
    *,
    link_user_id: int | None,
    registration_open: bool,
    require_verified_email: bool,
    moment: datetime,
) -> Outcome:
    """The account this sign-in is; SocialSignInFailed or AddressInUse (nothing changed) otherwise.

    Addresses are compared as `/register` keeps them (normalised, lower-case): `claims.email` is already so.
    """
    known = await Identity.get_or_none(issuer=provider.issuer, subject=claims.subject).select_related("user")
    if known is not None:
        if link_user_id is not None and known.user.id != link_user_id:
            raise SocialSignInFailed(f"That {provider.display_name} account is linked to another user here")
        if claims.email is not None and claims.email != known.email:
            known.email = claims.email
            await known.save(update_fields=["email"])
        return Outcome(user=known.user, what="signed_in")
    if link_user_id is not None:
        user = await User.get_or_none(id=link_user_id)
        if user is None:  # deleted while its owner was away at the provider
            raise SocialSignInFailed("The account this was to be linked to no longer exists")
        await _link(provider, claims, user=user, moment=moment)
        return Outcome(user=user, what="linked")
    if claims.email is not None and (local := await User.get_or_none(email=claims.email)) is not None:
        if claims.email_verified and local.email_verified and provider.link_verified_email:
            await _link(provider, claims, user=local, moment=moment)
            return Outcome(user=local, what="linked")
        raise AddressInUse
    if not (provider.create_accounts and registration_open):
        raise SocialSignInFailed(f"No account here uses this {provider.display_name} account")
    if require_verified_email and not (claims.email is not None and claims.email_verified):
        raise SocialSignInFailed(
            f"{provider.display_name} vouched for no e-mail address, and accounts here need a verified one"
        )
    return Outcome(user=await _create(provider, claims, moment=moment), what="created")


async def _link(provider: IdentityProvider, claims: Claims, *, user: User, moment: datetime) -> None:
    try:
        await Identity.create(
            provider=provider,
            issuer=provider.issuer,
            subject=claims.subject,
            user=user,
            email=claims.email,
            linked_at=moment,
        )
    except IntegrityError:  # linked meanwhile by another request
        raise SocialSignInFailed(f"That {provider.display_name} account is linked already") from None


async def _create(provider: IdentityProvider, claims: Claims, *, moment: datetime) -> User:
    base = _username_base(claims)
    try:
        return await _create_as(provider, claims, base=base, moment=moment)
    except IntegrityError:  # the address was taken meanwhile, by a registration or another sign-in
        raise AddressInUse from None


async def _create_as(provider: IdentityProvider, claims: Claims, *, base: str, moment: datetime) -> User:
    async with writing():
        for attempt in range(20):
            username = base if attempt == 0 else f"{base[: usernames.MAX_LENGTH - 7]}-{secrets.token_hex(3)}"
            key = usernames.lookup_key(username)
            if await User.filter(username_key=key).exists():
                continue
            user = await User.create(
                username=username,
                username_key=key,
                email=claims.email,
                email_verified=claims.email_verified,
                full_name=claims.name,
                password_hash=NO_PASSWORD,
            )
            await _link(provider, claims, user=user, moment=moment)
            return user
    raise SocialSignInFailed("No username could be made for this account")


def _username_base(claims: Claims) -> str:
    for candidate in (claims.preferred_username, claims.email.split("@")[0] if claims.email else None):
        if candidate is None:
            continue
        cleaned = "".join(
            char for char in usernames.normalize(candidate) if usernames.problem(char * 3) is None
        )
        if usernames.problem(cleaned[: usernames.MAX_LENGTH]) is None:
            return cleaned[: usernames.MAX_LENGTH]
    return f"user-{secrets.token_hex(4)}"
