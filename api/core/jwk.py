"""Signing keys: made, and published as JWKs; pure (`sealing` keeps their private halves).

A key set names one key that signs and every key that still verifies, each pinned to its own algorithm:
the algorithm a token's header claims is never trusted to pick how it is checked.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk
from jose.backends.base import Key

Algorithm = Literal["HS256", "RS256", "ES256"]
ASYMMETRIC: tuple[Algorithm, ...] = ("RS256", "ES256")
# RFC 7638: the members of a public JWK that its thumbprint covers
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}


@dataclass(frozen=True, slots=True)
class Verifier:
    """A key that checks signatures, and the one algorithm it accepts."""

    kid: str
    algorithm: str
    key: Key


@dataclass(frozen=True, slots=True)
class KeySet:
    """The key that signs new tokens, and every key a token may name (the signing one among them)."""

    signer: Verifier | None
    verifiers: Mapping[str, Verifier]
    # 0.1.0 signed HS256 tokens without a `kid`; they keep working under HS256 until they expire
    unnamed: Verifier | None = None
    public_jwks: tuple[dict[str, Any], ...] = field(default=())
    # the current asymmetric key of each algorithm: id_tokens are signed with one of these whatever signs
    # access tokens
    signers: Mapping[str, Verifier] = field(default_factory=dict)


# what a worker holds for RS256 or ES256 before it has read the database: it signs and verifies nothing
NO_KEYS = KeySet(signer=None, verifiers={})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hmac_key_set(secret: str) -> KeySet:
    """The key set for HS256: SECRET_KEY signs and verifies, and has a `kid` that does not reveal it."""
    kid = _b64(hmac.new(secret.encode(), b"kid", hashlib.sha256).digest()[:12])
    verifier = Verifier(kid=kid, algorithm="HS256", key=jwk.construct(secret, "HS256"))
    return KeySet(signer=verifier, verifiers={kid: verifier}, unnamed=verifier)


def new_private_key(algorithm: str) -> bytes:
    """A fresh private key for RS256 (RSA 2048) or ES256 (P-256), as PKCS #8 DER."""
    if algorithm == "RS256":
        private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = rsa.generate_private_key(
            public_exponent=65537, key_size=2048
        )
    elif algorithm == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        raise ValueError(f"no key pairs for {algorithm}")
    return private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_jwk(private_der: bytes, algorithm: str) -> dict[str, Any]:
    """The public half of a private key as a JWK (RFC 7517), its `kid` the RFC 7638 thumbprint."""
    private = serialization.load_der_private_key(private_der, password=None)
    jwk_dict: dict[str, Any] = jwk.construct(private.public_key(), algorithm).to_dict()
    members = _THUMBPRINT_MEMBERS[jwk_dict["kty"]]
    canonical = json.dumps({name: jwk_dict[name] for name in members}, separators=(",", ":"), sort_keys=True)
    kid = _b64(hashlib.sha256(canonical.encode()).digest())
    return {**jwk_dict, "kid": kid, "alg": algorithm, "use": "sig"}


def signer(private_der: bytes, *, kid: str, algorithm: str) -> Verifier:
    """The signing key of a private key."""
    private = serialization.load_der_private_key(private_der, password=None)
    return Verifier(kid=kid, algorithm=algorithm, key=jwk.construct(private, algorithm))


def verifier(public: Mapping[str, Any]) -> Verifier:
    """The verifying key of a published JWK, bound to the algorithm the JWK names."""
    algorithm = str(public["alg"])
    return Verifier(kid=str(public["kid"]), algorithm=algorithm, key=jwk.construct(dict(public), algorithm))
