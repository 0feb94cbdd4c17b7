"""The two WebAuthn ceremonies as py_webauthn runs them: options to hand the browser, and the answers checked
against the relying party (rp id, origins), the challenge and user verification."""

import json
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from api.config import Settings
from api.errors import InvalidPasskey

# ES256 and RS256, the two every authenticator and browser speaks
ALGORITHMS = [COSEAlgorithmIdentifier.ECDSA_SHA_256, COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256]
TIMEOUT_MS = 5 * 60 * 1000
_TRANSPORTS = {transport.value: transport for transport in AuthenticatorTransport}


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Who passkeys are bound to: the rp id, its name, and the origins a ceremony may come from."""

    id: str
    name: str
    origins: list[str]


@dataclass(frozen=True, slots=True)
class Known:
    """A passkey already registered, as `excludeCredentials` names it."""

    credential_id: str
    transports: list[str]


@dataclass(frozen=True, slots=True)
class NewPasskey:
    """A verified registration: what is kept of the credential."""

    credential_id: str
    public_key: str
    sign_count: int
    backup_eligible: bool
    backed_up: bool
    transports: list[str]


@dataclass(frozen=True, slots=True)
class Assertion:
    """A verified sign-in: the credential's new counter and backup state."""

    sign_count: int
    backed_up: bool


def registration_options(
    rp: RelyingParty,
    *,
    user_handle: bytes,
    user_name: str,
    display_name: str,
    challenge: bytes,
    known: list[Known],
) -> dict[str, Any]:
    """PublicKeyCredentialCreationOptionsJSON: resident key and user verification required, no attestation."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle,
        user_name=user_name,
        user_display_name=display_name,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(
                id=base64url_to_bytes(passkey.credential_id),
                transports=[_TRANSPORTS[name] for name in passkey.transports if name in _TRANSPORTS],
            )
            for passkey in known
        ],
        supported_pub_key_algs=ALGORITHMS,
    )
    as_json: dict[str, Any] = json.loads(options_to_json(options))
    return as_json


def authentication_options(rp: RelyingParty, *, challenge: bytes) -> dict[str, Any]:
    """PublicKeyCredentialRequestOptionsJSON for a discoverable sign-in: no allowCredentials, UV required."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    as_json: dict[str, Any] = json.loads(options_to_json(options))
    return as_json


def verify_registration(rp: RelyingParty, credential: dict[str, Any], *, challenge: bytes) -> NewPasskey:
    """The registration's credential, checked; InvalidPasskey for anything wrong."""
    transports = _transports(credential)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origins,
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise InvalidPasskey from exc
    return NewPasskey(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        backup_eligible=verified.credential_device_type == "multi_device",
        backed_up=verified.credential_backed_up,
        transports=[name for name in transports if name in _TRANSPORTS][:8],
    )


def _transports(credential: dict[str, Any]) -> list[str]:
    # absent or null: none known; anything but a list of strings is a malformed answer
    response = credential.get("response")
    transports = response.get("transports") if isinstance(response, dict) else None
    if transports is not None and not (
        isinstance(transports, list) and all(isinstance(name, str) for name in transports)
    ):
        raise InvalidPasskey
    return transports or []


def verify_assertion(
    rp: RelyingParty, credential: dict[str, Any], *, challenge: bytes, public_key: str
) -> Assertion:
    """A sign-in's credential, checked against its stored public key; InvalidPasskey for anything wrong (the
    signature counter is left to the caller, which audits a counter that did not grow)."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origins,
            credential_public_key=base64url_to_bytes(public_key),
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise InvalidPasskey from exc
    return Assertion(sign_count=verified.new_sign_count, backed_up=verified.credential_backed_up)


def relying_party(settings: Settings) -> RelyingParty:
    """The relying party of these settings (WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME, WEBAUTHN_ORIGINS)."""
    return RelyingParty(
        id=settings.passkey_rp_id, name=settings.webauthn_rp_name, origins=settings.passkey_origins
    )
