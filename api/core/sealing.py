"""Secrets kept in the database, sealed with AES-256-GCM under a key derived from SECRET_KEY; pure.

Each purpose (signing keys, TOTP secrets) derives its own key with HKDF-SHA256, and each sealed value is bound
to the row it belongs to (`context`), so a value copied to another row, or sealed for another purpose, does
not open.
"""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SIGNING_KEYS = b"auth-service signing keys v1"
TOTP_SECRETS = b"auth-service totp secrets v1"
PROVIDER_SECRETS = b"auth-service identity provider secrets v1"
SIGN_IN_FLOWS = b"auth-service sign-in flows v1"
_NONCE_BYTES = 12


class Unreadable(Exception):
    """A sealed value does not open: it was sealed under another SECRET_KEY or purpose, or altered."""


class Sealer:
    """Seals and opens values for one purpose under a key derived from SECRET_KEY."""

    def __init__(self, secret: str, *, purpose: bytes) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())
        self._aead = AESGCM(derived)

    def seal(self, plaintext: bytes, *, context: str) -> str:
        """The sealed text: a fresh nonce and the ciphertext, base64; it opens for `context` only."""
        nonce = os.urandom(_NONCE_BYTES)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plaintext, context.encode())).decode()

    def open(self, sealed: str, *, context: str) -> bytes:
        """The plaintext of `seal`; Unreadable when the secret, purpose, context or text differ."""
        try:
            data = base64.b64decode(sealed)
            return self._aead.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError):
            raise Unreadable(context) from None
