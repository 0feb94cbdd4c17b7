"""Registered OAuth2 clients: registration, secrets shown once, authentication, their own tokens' grants."""

import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.timezone import now

from api.core import redirect_uris, scopes
from api.core.opaque import new_opaque_token, opaque_digest
from api.db.models import ClientGrant, OAuthClient
from api.db.transactions import writing
from api.errors import (
    ClientMisconfigured,
    ClientNotFound,
    InvalidClient,
    PublicClient,
    SessionEnded,
    UnauthorizedClient,
)
from api.services import sessions

CLIENT_CREDENTIALS = "client_credentials"
AUTHORIZATION_CODE = "authorization_code"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES = ("authorization_code", "client_credentials", "password", "refresh_token", DEVICE_CODE)
# compared against when the client is unknown, so that both refusals cost the same
_NO_SUCH_SECRET = opaque_digest("")


@dataclass(frozen=True, slots=True)
class Registration:
    """A client to register: its name, grants, scopes, redirect URIs, whether it keeps a secret, and how it
    signs users in (PKCE, consent, the id_token's algorithm)."""

    name: str
    grant_types: list[str]
    scopes: list[str]
    redirect_uris: list[str]
    confidential: bool
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    require_pkce: bool = True
    trusted: bool = False
    id_token_signed_response_alg: str = "RS256"
    allowed_roles: list[str] | None = None
    backchannel_logout_uri: str | None = None
    backchannel_logout_session_required: bool = True


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """How a client said who it is: its id, and its secret unless it is a public client."""

    client_id: str
    secret: str | None


def check(
    *,
    grant_types: list[str],
    scope_names: list[str],
    confidential: bool,
    defined: frozenset[str],
    redirects: dict[str, list[str]] | None = None,
    require_pkce: bool = True,
    backchannel_logout_uri: str | None = None,
) -> None:
    """ClientMisconfigured for an undefined scope (neither built in nor in API_SCOPES), a public client
    registered for client_credentials or without PKCE, the authorization code grant without a redirect URI,
    or a redirect URI RFC 9700 refuses (`redirects`: each field's URIs), or a back-channel logout URI that is
    neither https nor http on a loopback host."""
    if unknown := sorted(set(scope_names) - defined):
        raise ClientMisconfigured(f"Unknown scope: {' '.join(unknown)}", field="scopes")
    if not confidential and CLIENT_CREDENTIALS in grant_types:
        raise ClientMisconfigured(
            "A public client has no secret to use client_credentials with", field="grant_types"
        )
    if not confidential and not require_pkce:
        raise ClientMisconfigured("A public client must use PKCE", field="require_pkce")
    for name, uris in (redirects or {}).items():
        for uri in uris:
            if (problem := redirect_uris.problem(uri)) is not None:
                raise ClientMisconfigured(f"{uri[:200]}: {problem}", field=name)
    if backchannel_logout_uri is not None and (
        problem := redirect_uris.logout_uri_problem(backchannel_logout_uri)
    ):
        raise ClientMisconfigured(
            f"{backchannel_logout_uri[:200]}: {problem}", field="backchannel_logout_uri"
        )
    if AUTHORIZATION_CODE in grant_types and redirects is not None and not redirects.get("redirect_uris"):
        raise ClientMisconfigured("authorization_code needs at least one redirect URI", field="redirect_uris")


async def register(
    registration: Registration, *, defined: frozenset[str], moment: datetime
) -> tuple[OAuthClient, str | None]:
    """A new client, and its secret (None for a public client): the only time the secret is known."""
    check(
        grant_types=list(registration.grant_types),
        scope_names=registration.scopes,
        confidential=registration.confidential,
        defined=defined,
        redirects={
            "redirect_uris": registration.redirect_uris,
            "post_logout_redirect_uris": registration.post_logout_redirect_uris,
        },
        require_pkce=registration.require_pkce,
        backchannel_logout_uri=registration.backchannel_logout_uri,
    )
    secret = new_opaque_token() if registration.confidential else None
    client = await OAuthClient.create(
        client_id=_new_client_id(),
        name=registration.name,
        secret_hash=secret.digest if secret is not None else None,
        grant_types=" ".join(dict.fromkeys(registration.grant_types)),
        scopes=scopes.render(frozenset(registration.scopes)),
        redirect_uris=list(registration.redirect_uris),
        confidential=registration.confidential,
        created_at=moment,
        post_logout_redirect_uris=list(registration.post_logout_redirect_uris),
        require_pkce=registration.require_pkce,
        trusted=registration.trusted,
        id_token_signed_response_alg=registration.id_token_signed_response_alg,
        allowed_roles=_role_list(registration.allowed_roles),
        backchannel_logout_uri=registration.backchannel_logout_uri,
        backchannel_logout_session_required=registration.backchannel_logout_session_required,
    )
    return client, (secret.value if secret is not None else None)


def _role_list(names: list[str] | None) -> list[str] | None:
    # roles are not checked against the roles table: a client may be registered before its roles exist
    return sorted(set(names)) if names is not None else None


def _new_client_id() -> str:
    # never starting with a dash, which a command line would take for an option
    while (client_id := secrets.token_urlsafe(16)).startswith("-"):
        pass
    return client_id


async def get(client_id: str) -> OAuthClient:
    """The client with this id."""
    client = await OAuthClient.get_or_none(client_id=client_id)
    if client is None:
        raise ClientNotFound
    return client


async def every() -> list[OAuthClient]:
    """Every registered client, oldest first."""
    return await OAuthClient.all().order_by("created_at", "client_id")


async def update(client_id: str, *, changes: dict[str, Any], defined: frozenset[str]) -> OAuthClient:
    """Change a client; its tokens lose at once any scope it no longer holds."""
    client = await get(client_id)
    check(
        grant_types=changes.get("grant_types", client.grant_types.split()),
        scope_names=changes.get("scopes", []),
        confidential=client.confidential,
        defined=defined,
        redirects={
            "redirect_uris": changes.get("redirect_uris", client.redirect_uris),
            "post_logout_redirect_uris": changes.get(
                "post_logout_redirect_uris", client.post_logout_redirect_uris or []
            ),
        },
        require_pkce=changes.get("require_pkce", client.require_pkce),
        backchannel_logout_uri=changes.get("backchannel_logout_uri"),
    )
    if "grant_types" in changes:
        changes["grant_types"] = " ".join(dict.fromkeys(changes["grant_types"]))
    if "scopes" in changes:
        changes["scopes"] = scopes.render(frozenset(changes["scopes"]))
    if "allowed_roles" in changes:
        changes["allowed_roles"] = _role_list(changes["allowed_roles"])
    client.update_from_dict(changes)
    await client.save(update_fields=list(changes))
    return client


async def delete(client_id: str, *, moment: datetime) -> None:
    """Delete a client; its tokens stop working (their grants go with it, and its users' sessions end)."""
    async with writing():
        await ClientGrant.filter(client_id=client_id).delete()
        await sessions.end(client_id=client_id, moment=moment)
        if not await OAuthClient.filter(client_id=client_id).delete():
            raise ClientNotFound


async def new_secret(client_id: str) -> str:
    """Replace a confidential client's secret: the old one stops working at once."""
    client = await get(client_id)
    if not client.confidential:
        raise PublicClient
    secret = new_opaque_token()
    client.secret_hash = secret.digest
    await client.save(update_fields=["secret_hash"])
    return secret.value


async def authenticate(credentials: ClientCredentials | None) -> OAuthClient:
    """The confidential client these credentials prove; InvalidClient otherwise."""
    if credentials is None or credentials.secret is None:
        raise InvalidClient
    client = await OAuthClient.get_or_none(client_id=credentials.client_id)
    stored = client.secret_hash if client is not None and client.secret_hash is not None else _NO_SUCH_SECRET
    matches = hmac.compare_digest(stored, opaque_digest(credentials.secret))
    if client is None or client.secret_hash is None or not matches:
        raise InvalidClient
    return client


async def identify(credentials: ClientCredentials | None) -> OAuthClient | None:
    """The client a token request names, if any: confidential clients prove it, public ones name it.

    An id nobody registered, without a secret, is ignored as 0.1.0 ignored every `client_id`: claiming to
    be a public client proves nothing anyway.
    """
    if credentials is None:
        return None
    if credentials.secret is not None:
        return await authenticate(credentials)
    client = await OAuthClient.get_or_none(client_id=credentials.client_id)
    if client is not None and client.confidential:
        raise InvalidClient
    return client


def require_grant_type(client: OAuthClient, grant_type: str) -> None:
    """UnauthorizedClient unless the client is registered for this grant type."""
    if grant_type not in client.grant_types.split():
        raise UnauthorizedClient


async def start_grant(client: OAuthClient, *, granted: frozenset[str], lifetime: timedelta) -> ClientGrant:
    """The record of one client_credentials token, which revocation and deletion end."""
    moment = now()
    return await ClientGrant.create(
        id=uuid.uuid4(),
        client=client,
        scope=scopes.render(granted),
        created_at=moment,
        expires_at=moment + lifetime,
    )


async def active_grant(*, grant_id: str, client_id: str) -> OAuthClient:
    """The client of an unrevoked, unexpired grant; SessionEnded otherwise."""
    try:
        key = uuid.UUID(grant_id)
    except ValueError:
        raise SessionEnded from None
    grant = (
        await ClientGrant.filter(id=key, client_id=client_id, revoked_at=None, expires_at__gt=now())
        .select_related("client")
        .first()
    )
    if grant is None:
        raise SessionEnded
    return grant.client


async def revoke_grant(grant_id: str) -> None:
    """End a client token's grant."""
    try:
        key = uuid.UUID(grant_id)
    except ValueError:
        return
    await ClientGrant.filter(id=key, revoked_at=None).update(revoked_at=now())


async def find(client_id: str) -> OAuthClient | None:
    """The client with this id, or None."""
    if len(client_id) > 64:
        return None
    return await OAuthClient.get_or_none(client_id=client_id)
