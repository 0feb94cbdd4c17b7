"""Another provider's metadata (OpenID Connect Discovery) and keys (JWKS), fetched and kept a while by each
worker; the keys are fetched again when an id_token names one not seen yet (the provider rotated)."""

import time
from dataclasses import dataclass
from typing import Any

from api.social import outbound
from api.social.outbound import ProviderUnavailable

_METADATA_SECONDS = 600.0
_KEYS_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Metadata:
    """What this client needs of a provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None


_metadata: dict[str, tuple[float, Metadata]] = {}
_keys: dict[str, tuple[float, list[dict[str, Any]]]] = {}


async def fetch(issuer: str, *, allow_http: bool) -> Metadata:
    """The provider's metadata, checked: its `issuer` is exactly the one given, its endpoints are there, and
    they and the issuer are https (see `outbound.check_url`).

    ProviderUnavailable (the message says what is wrong) otherwise.
    """
    outbound.check_url(issuer, allow_http=allow_http)
    document = await outbound.get_json(
        f"{issuer.rstrip('/')}/.well-known/openid-configuration", allow_http=allow_http
    )
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(
            f"the discovery document names the issuer {str(document.get('issuer'))[:200]!r}"
        )
    fields = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if missing := [name for name in fields if not isinstance(document.get(name), str) or not document[name]]:
        raise ProviderUnavailable(f"the discovery document has no {', '.join(missing)}")
    userinfo = document.get("userinfo_endpoint")
    found = Metadata(
        issuer=issuer,
        **{name: str(document[name]) for name in fields},
        userinfo_endpoint=userinfo if isinstance(userinfo, str) and userinfo else None,
    )
    for url in (found.authorization_endpoint, found.token_endpoint, found.jwks_uri, found.userinfo_endpoint):
        if url is not None:
            outbound.check_url(url, allow_http=allow_http)
    return found


async def metadata_of(issuer: str, *, allow_http: bool) -> Metadata:
    """The provider's metadata, fetched at most every ten minutes."""
    cached = _metadata.get(issuer)
    if cached is not None and time.monotonic() - cached[0] < _METADATA_SECONDS:
        return cached[1]
    found = await fetch(issuer, allow_http=allow_http)
    _metadata[issuer] = (time.monotonic(), found)
    return found


async def key_of(jwks_uri: str, kid: str | None, *, allow_http: bool) -> dict[str, Any]:
    """The provider's key named `kid` (the only one, when the token names none); ProviderUnavailable when
    the set has no such key, even fetched again."""
    cached = _keys.get(jwks_uri)
    fresh = cached is not None and time.monotonic() - cached[0] < _KEYS_SECONDS
    found = _pick(cached[1], kid) if cached is not None and fresh else None
    if found is None:
        # the id_token came straight from the provider's token endpoint: a key it names and we lack is new
        found = _pick(await _fetch_keys(jwks_uri, allow_http=allow_http), kid)
    if found is None:
        raise ProviderUnavailable("the id_token names a key the provider does not publish")
    return found


async def _fetch_keys(jwks_uri: str, *, allow_http: bool) -> list[dict[str, Any]]:
    document = await outbound.get_json(jwks_uri, allow_http=allow_http)
    keys = [key for key in document.get("keys", []) if isinstance(key, dict)]
    _keys[jwks_uri] = (time.monotonic(), keys)
    return keys


def _pick(keys: list[dict[str, Any]], kid: str | None) -> dict[str, Any] | None:
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((key for key in keys if key.get("kid") == kid), None)
