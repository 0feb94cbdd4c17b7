"""id_tokens: signed with an asymmetric key from the database whatever signs access tokens, and read back
when an app names one as the `id_token_hint` of a logout."""

import base64
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jose import JWTError, jwt

from api.core.jwk import Verifier
from api.core.jwt import sign_id_token
from api.db.models import OAuthClient, User
from api.errors import InvalidLogoutRequest
from api.oidc import claims
from api.services.keyring import ID_TOKEN_ALGORITHM, KeyRing

_HASHES = {"RS256": hashlib.sha256, "ES256": hashlib.sha256}


@dataclass(frozen=True, slots=True)
class Authentication:
    """What the id_token says of the sign-in: when, in which browser session, and the app's nonce."""

    auth_time: datetime
    login_session_id: str
    nonce: str | None


@dataclass(frozen=True, slots=True)
class Hint:
    """An id_token_hint that we signed: whose it is, for which app, and whether it has expired (still a
    valid hint, but no longer enough to sign out without asking)."""

    user_id: int
    client_id: str
    expired: bool


def at_hash(access_token: str, algorithm: str) -> str:
    """OpenID Connect Core 3.1.3.6: the left half of the access token's hash, base64url."""
    digest = _HASHES[algorithm](access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def algorithm_for(client: OAuthClient, *, access_algorithm: str) -> str:
    """RS256, or ES256 for a client that registered it while access tokens are ES256."""
    if client.id_token_signed_response_alg == "ES256" and access_algorithm == "ES256":
        return "ES256"
    return ID_TOKEN_ALGORITHM


async def signer_for(client: OAuthClient, *, keys: KeyRing) -> Verifier:
    """The key that signs `client`'s id_tokens (and its logout tokens)."""
    return await keys.id_token_signer(algorithm_for(client, access_algorithm=keys.algorithm))


async def issue(
    *,
    keys: KeyRing,
    issuer: str,
    client: OAuthClient,
    user: User,
    granted: frozenset[str],
    authentication: Authentication,
    access_token: str,
    lifetime_seconds: int,
    roles: list[str] | None = None,
) -> str:
    """A signed id_token for the app `client` about `user` (with the access token's `roles`, if any)."""
    signer = await signer_for(client, keys=keys)
    issued_at = int(time.time())
    body: dict[str, Any] = {
        "iss": issuer,
        **claims.user_claims(user, granted, roles=roles),
        "aud": client.client_id,
        "exp": issued_at + lifetime_seconds,
        "iat": issued_at,
        "auth_time": int(authentication.auth_time.timestamp()),
        "at_hash": at_hash(access_token, signer.algorithm),
        "sid": authentication.login_session_id,
    }
    if authentication.nonce is not None:
        body["nonce"] = authentication.nonce
    return sign_id_token(body, signer)


async def read_hint(token: str, *, keys: KeyRing, issuer: str, moment: datetime) -> Hint:
    """The user and app of an id_token we signed, expired at `moment` or not; InvalidLogoutRequest
    otherwise."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except (JWTError, ValueError, TypeError, AttributeError):
        raise InvalidLogoutRequest("The id_token_hint is not an id_token") from None
    verifier = await keys.verifier_of(kid) if isinstance(kid, str) else None
    if verifier is None:
        raise InvalidLogoutRequest("The id_token_hint was not signed here")
    try:
        body = jwt.decode(
            token,
            verifier.key,
            algorithms=[verifier.algorithm],
            issuer=issuer,
            options={"verify_exp": False, "verify_aud": False, "verify_at_hash": False},
        )
        if "type" in body:  # an access token carries `type`; an id_token never does
            raise ValueError("not an id_token")
        expires = body.get("exp")
        expired = not isinstance(expires, int | float) or expires <= moment.timestamp()
        return Hint(user_id=int(body["sub"]), client_id=str(body["aud"]), expired=expired)
    except (JWTError, ValueError, TypeError, KeyError, AttributeError):
        raise InvalidLogoutRequest("The id_token_hint was not signed here") from None
