"""Opaque tokens: 256 random bits handed out once, of which only a digest is stored; pure.

Refresh tokens, a login's `mfa_token`, the links in mails and client secrets are all of this kind. Nobody can
guess 256 random bits, so a fast digest (SHA-256) is as safe as a slow password hash here, and looking one
up stays cheap.
"""

import hashlib
import secrets
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OpaqueToken:
    """A token to hand out once, and the digest to store in its place."""

    value: str
    digest: str


def new_opaque_token() -> OpaqueToken:
    """A fresh opaque token (URL-safe) and its digest."""
    value = secrets.token_urlsafe(32)
    return OpaqueToken(value=value, digest=opaque_digest(value))


def opaque_digest(value: str) -> str:
    """What is stored of an opaque token: its SHA-256, hex-encoded."""
    return hashlib.sha256(value.encode()).hexdigest()
