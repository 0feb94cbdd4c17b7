"""JWT access tokens: what they claim, how they are signed and checked."""

import functools
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jose import JWTError, jwt
from jose.utils import base64url_encode

from api.core.bounded_cache import BoundedCache
from api.core.jwk import KeySet, Verifier

ACCESS_TOKEN_TYPE = "access"
# RFC 9068's media type for JWT access tokens, in the header
_ACCESS_TOKEN_HEADER_TYPE = "at+jwt"
_REQUIRED_CLAIMS = ("sub", "sid", "exp", "iat", "jti", "scope", "type")


class InvalidToken(Exception):
    """The token is malformed, forged, expired or not an access token."""


class UnknownKey(InvalidToken):
    """The token names a key this key set does not hold (perhaps one made since it was loaded)."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says: a user's token, or (with `client_id`) a client's own."""

    user_id: int | None
    client_id: str | None
    session_id: str
    scopes: frozenset[str]
    issued_at: int
    expires_at: int
    # a user's token issued to an app through the authorization code flow: that app's client_id
    issued_to: str | None = None

    @property
    def subject(self) -> str:
        """The `sub` claim: the user's id, or the client's."""
        return str(self.user_id) if self.client_id is None else self.client_id


class TokenCodec:
    """Signs access tokens with the key set's signing key; verifies them with the key each names."""

    def __init__(
        self,
        *,
        keys: KeySet,
        issuer: str | None,
        audience: str | None,
        cache_size: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        # "now" for issuing and for the expiry of cached tokens (jose checks fresh ones against the real time)
        self._clock = clock
        self._issuer = issuer
        self._audience = audience
        # tokens whose signature and claims were checked already; they still expire on time
        self._verified: BoundedCache[str, AccessClaims] = BoundedCache(cache_size)

    def use(self, keys: KeySet) -> None:
        """Sign and verify with this key set from now on (after a rotation)."""
        self.keys = keys

    def issue_access_token(
        self,
        *,
        user_id: int | None = None,
        client_id: str | None = None,
        session_id: str,
        scopes: Iterable[str],
        lifetime_seconds: int,
        issued_to: str | None = None,
        roles: list[str] | None = None,
    ) -> str:
        """A signed access token for this user (or client), session and scopes; `issued_to` is the app a
        user's token was issued to (its `client_id` claim); `roles` its `roles` claim, when granted."""
        if (user_id is None) == (client_id is None):
            raise ValueError("a token is for a user or for a client")
        now = int(self._clock())
        claims: dict[str, object] = {
            "sub": str(user_id) if client_id is None else client_id,
            "sid": session_id,
            "iat": now,
            "exp": now + lifetime_seconds,
            "jti": secrets.token_urlsafe(16),
            "scope": " ".join(sorted(scopes)),
            "type": ACCESS_TOKEN_TYPE,
        }
        if self._issuer is not None:
            claims["iss"] = self._issuer
        if self._audience is not None:
            claims["aud"] = self._audience
        if client_id is not None:
            claims["client_id"] = client_id  # RFC 9068: and `sub` is the client's too
        elif issued_to is not None:
            claims["client_id"] = issued_to  # RFC 9068: the app, with `sub` the user
        if roles is not None:
            claims["roles"] = roles
        signer = self.keys.signer
        if signer is None:
            raise RuntimeError("no signing key is loaded yet")
        return _signed(claims, signer)

    def decode_access_token(self, token: str) -> AccessClaims:
        """The claims of a valid access token; raises InvalidToken for anything else."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            self._verified.put(token, claims)
        elif claims.expires_at <= self._clock():
            self._verified.discard(token)
            raise InvalidToken("expired")
        return claims

    def _verifier(self, token: str) -> Verifier:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except (JWTError, ValueError, TypeError, AttributeError) as exc:
            raise InvalidToken(str(exc)) from None
        if kid is None and self.keys.unnamed is not None:
            return self.keys.unnamed
        if not isinstance(kid, str):
            raise InvalidToken("no key named")
        verifier = self.keys.verifiers.get(kid)
        if verifier is None:
            raise UnknownKey(kid[:64])
        return verifier

    def _verify(self, token: str) -> AccessClaims:
        verifier = self._verifier(token)
        # jose also refuses a token that names an audience when none is configured here
        options = {"require_iss": self._issuer is not None, "require_aud": self._audience is not None}
        try:
            claims = jwt.decode(
                token,
                verifier.key,
                # the key's own algorithm, never the one the header claims
                algorithms=[verifier.algorithm],
                issuer=self._issuer,
                audience=self._audience,
                options=options,
            )
        except (JWTError, ValueError, TypeError, AttributeError) as exc:
            raise InvalidToken(str(exc)) from None
        if any(name not in claims for name in _REQUIRED_CLAIMS) or claims["type"] != ACCESS_TOKEN_TYPE:
            raise InvalidToken("not an access token")
        client_id = claims.get("client_id")
        try:
            if client_id is not None and not isinstance(client_id, str):
                raise ValueError("client_id is a string")
            # a client's own token is about the client; a user's token issued to an app names the user
            own = client_id is not None and claims["sub"] == client_id
            return AccessClaims(
                user_id=None if own else int(claims["sub"]),
                client_id=client_id if own else None,
                issued_to=None if own else client_id,
                session_id=str(claims["sid"]),
                scopes=frozenset(str(claims["scope"]).split()),
                issued_at=int(claims["iat"]),
                expires_at=int(claims["exp"]),
            )
        except (TypeError, ValueError):
            raise InvalidToken("malformed claims") from None


def sign_id_token(claims: dict[str, object], signer: Verifier) -> str:
    """An OpenID Connect id_token: the claims signed with `typ: JWT`."""
    return _signed(claims, signer, header_type="JWT")


def sign_logout_token(claims: dict[str, object], signer: Verifier) -> str:
    """A Back-Channel Logout token: the claims signed with `typ: logout+jwt` (never taken for an id_token)."""
    return _signed(claims, signer, header_type="logout+jwt")


def _signed(
    claims: dict[str, object], signer: Verifier, *, header_type: str = _ACCESS_TOKEN_HEADER_TYPE
) -> str:
    """The compact JWS of the claims (RFC 7515), byte for byte what `jose.jwt.encode` makes of them.

    Every login and refresh signs a token, and jose re-encodes the same header and re-checks the claims each
    time; the signature itself is still jose's (the key's own `sign`).
    """
    header = _header_segment(signer.algorithm, signer.kid, header_type)
    payload: bytes = base64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = header + b"." + payload
    signature: bytes = base64url_encode(signer.key.sign(signing_input))
    return (signing_input + b"." + signature).decode()


@functools.lru_cache(maxsize=64)
def _header_segment(algorithm: str, kid: str, header_type: str) -> bytes:
    header = {"alg": algorithm, "kid": kid, "typ": header_type}
    segment: bytes = base64url_encode(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())
    return segment
