"""What a provider says of the person signing in: its id_token's claims merged with its userinfo's (OpenID
Connect Core 5.3, 5.4: a certified provider may keep e-mail and profile for userinfo alone), the address
normalised as `/register` normalises one."""

from dataclasses import dataclass
from typing import Any

from api.core import emails
from api.db.models import IdentityProvider
from api.errors import SocialSignInFailed
from api.social import outbound
from api.social.discovery import Metadata


@dataclass(frozen=True, slots=True)
class Claims:
    """What the provider says of the user."""

    subject: str
    email: str | None
    email_verified: bool
    preferred_username: str | None
    name: str | None


async def of_sign_in(
    provider: IdentityProvider,
    metadata: Metadata,
    *,
    id_token_claims: dict[str, Any],
    access_token: object,
    allow_http: bool,
) -> Claims:
    """The id_token's claims, with userinfo's over them when the provider has a userinfo endpoint: its `sub`
    must be the id_token's (SocialSignInFailed otherwise; ProviderUnavailable when it cannot be read)."""
    merged = dict(id_token_claims)
    if metadata.userinfo_endpoint is not None and isinstance(access_token, str) and access_token:
        userinfo = await outbound.get_json(
            metadata.userinfo_endpoint, allow_http=allow_http, bearer=access_token
        )
        if userinfo.get("sub") != id_token_claims["sub"]:
            # its answer is about someone else: as untrustworthy as an id_token that does not check out
            raise SocialSignInFailed(f"{provider.display_name} sent an id_token that does not check out")
        merged.update(userinfo)
    email = emails.normalize(merged.get("email"))
    return Claims(
        subject=str(merged["sub"]),
        email=email,
        email_verified=email is not None and merged.get("email_verified") is True,
        preferred_username=_text(merged.get("preferred_username")),
        name=_text(merged.get("name")),
    )


def _text(value: object) -> str | None:
    return value[:200] if isinstance(value, str) and value else None
