"""What a browser's WebAuthn answer names before any ceremony checks it: the credential id (to find the
passkey) and the clientDataJSON (to find a registration's challenge)."""

import json
from typing import Any

from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from api.errors import InvalidPasskey


def credential_id_of(credential: dict[str, Any]) -> str:
    """The credential id an answer names (`rawId`, base64url); InvalidPasskey without one."""
    raw = credential.get("rawId") or credential.get("id")
    if not isinstance(raw, str) or not raw or len(raw) > 1400:
        raise InvalidPasskey
    try:
        return bytes_to_base64url(base64url_to_bytes(raw))
    except (ValueError, TypeError):
        raise InvalidPasskey from None


def client_data(credential: dict[str, Any]) -> dict[str, Any]:
    """The answer's clientDataJSON, parsed (unverified: the ceremony checks it)."""
    response = credential.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("clientDataJSON"), str):
        raise ValueError("no clientDataJSON")
    parsed = json.loads(base64url_to_bytes(response["clientDataJSON"]))
    if not isinstance(parsed, dict):
        raise ValueError("clientDataJSON is not an object")
    return parsed
