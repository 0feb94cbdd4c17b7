"""What an app learns about a user: the claims each granted scope allows (id_token and `/userinfo`)."""

from typing import Any

from api.core import scopes
from api.db.models import User

# what each scope reveals, for discovery's claims_supported
CLAIMS_BY_SCOPE = {
    scopes.OPENID: ("sub",),
    scopes.PROFILE: ("preferred_username", "name"),
    scopes.EMAIL: ("email", "email_verified"),
    scopes.ROLES: ("roles",),
}


def user_claims(user: User, granted: frozenset[str], *, roles: list[str] | None = None) -> dict[str, Any]:
    """`sub` (the user's id, as in the access token), the profile and email claims granted, and the roles
    (read by the caller: `services.role_claims`, None without the `roles` scope)."""
    claims: dict[str, Any] = {"sub": str(user.id)}
    if scopes.PROFILE in granted:
        claims["preferred_username"] = user.username
        if user.full_name:
            claims["name"] = user.full_name
    if scopes.EMAIL in granted and user.email:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    if roles is not None:
        claims["roles"] = roles
    return claims


def supported() -> list[str]:
    """Every claim an id_token or `/userinfo` may carry."""
    registered = ["iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid"]
    return [*dict.fromkeys(name for names in CLAIMS_BY_SCOPE.values() for name in names), *registered]
