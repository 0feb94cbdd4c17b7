"""JWT access tokens: what they claim, how they are signed and checked."""

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jose import JWTError, jwt

ACCESS_TOKEN_TYPE = "access"
# RFC 9068's media type for JWT access tokens, in the header
_ACCESS_TOKEN_HEADER_TYPE = "at+jwt"
_REQUIRED_CLAIMS = ("sub", "sid", "exp", "iat", "jti", "scope", "type")


class InvalidToken(Exception):
    """The token is malformed, forged, expired or not an access token."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: int
    session_id: str
    scopes: frozenset[str]
    expires_at: int


class TokenCodec:
    """Signs and verifies access tokens with one key and one pinned algorithm."""

    def __init__(
        self,
        *,
        key: str,
        algorithm: str,
        issuer: str | None,
        audience: str | None,
        cache_size: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        # "now" for issuing and for the expiry of cached tokens (jose checks fresh ones against the real time)
        self._clock = clock
        self._algorithm = algorithm
        self._issuer = issuer
        self._audience = audience
        # tokens whose signature and claims were checked already; they still expire on time
        self._verified: dict[str, AccessClaims] = {}
        self._cache_size = cache_size

    def issue_access_token(
        self, *, user_id: int, session_id: str, scopes: Iterable[str], lifetime_seconds: int
    ) -> str:
        """A signed access token for this user, session and scopes."""
        now = int(self._clock())
        claims: dict[str, object] = {
            "sub": str(user_id),
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
        token: str = jwt.encode(
            claims, self._key, algorithm=self._algorithm, headers={"typ": _ACCESS_TOKEN_HEADER_TYPE}
        )
        return token

    def decode_access_token(self, token: str) -> AccessClaims:
        """The claims of a valid access token; raises InvalidToken for anything else."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if len(self._verified) >= self._cache_size:
                del self._verified[next(iter(self._verified))]  # the oldest entry
            self._verified[token] = claims
        elif claims.expires_at <= self._clock():
            del self._verified[token]
            raise InvalidToken("expired")
        return claims

    def _verify(self, token: str) -> AccessClaims:
        # jose also refuses a token that names an audience when none is configured here
        options = {"require_iss": self._issuer is not None, "require_aud": self._audience is not None}
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                audience=self._audience,
                options=options,
            )
        except (JWTError, ValueError, TypeError, AttributeError) as exc:
            raise InvalidToken(str(exc)) from None
        if any(name not in claims for name in _REQUIRED_CLAIMS) or claims["type"] != ACCESS_TOKEN_TYPE:
            raise InvalidToken("not an access token")
        try:
            return AccessClaims(
                user_id=int(claims["sub"]),
                session_id=str(claims["sid"]),
                scopes=frozenset(str(claims["scope"]).split()),
                expires_at=int(claims["exp"]),
            )
        except (TypeError, ValueError):
            raise InvalidToken("malformed claims") from None


def new_refresh_token() -> str:
    """An opaque refresh token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> str:
    """What is stored of a refresh token: its SHA-256 (the token is random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret_key() -> str:
    """A fresh random HS256 key: 256 bits, hex-encoded."""
    return secrets.token_hex(32)
