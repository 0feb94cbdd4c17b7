"""FastAPI dependencies: app state, client, and the caller (bearer token or auth cookie) with its scopes."""

from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from starlette.requests import HTTPConnection

from . import scopes, web
from .config import Settings
from .edge.credentials import presented_token
from .errors import DomainError
from .models import User
from .services import principals
from .services.principals import Principal
from .services.sessions import Client
from .state import AppState

# the OpenAPI document replaces this tokenUrl with settings.token_url (see api/openapi.py)
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes=scopes.DESCRIPTIONS, auto_error=False)


async def get_state(request: Request) -> AppState:
    """The state the app built at start-up."""
    state: AppState = request.app.state.auth
    return state


State = Annotated[AppState, Depends(get_state)]


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: tuple[IPv4Network | IPv6Network, ...]
) -> str | None:
    """The client address: the peer, or behind trusted proxies the nearest untrusted X-Forwarded-For hop."""
    if peer is None or not trusted or not _within(peer, trusted):
        return peer
    for hop in reversed([part.strip() for part in (forwarded_for or "").split(",")]):
        try:
            address = ip_address(hop)
        except ValueError:
            return peer
        if not _within(hop, trusted):
            return str(address)
    return peer


def _within(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_of(connection: HTTPConnection, settings: Settings) -> Client:
    """Where a request comes from: user agent and address (proxy headers only from TRUSTED_PROXIES)."""
    peer = connection.client.host if connection.client else None
    return Client(
        user_agent=connection.headers.get("user-agent"),
        ip=client_address(peer, connection.headers.get("x-forwarded-for"), settings.trusted_networks),
    )


async def get_client(request: Request, state: State) -> Client:
    """Where the request comes from: user agent and address (proxy headers only from TRUSTED_PROXIES)."""
    return client_of(request, state.settings)


ClientInfo = Annotated[Client, Depends(get_client)]
BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


async def _caller(request: Request, bearer: str | None, *, required: tuple[str, ...] = ()) -> Principal:
    # the bearer token, or else the login page's cookie: read here rather than through a second security
    # scheme, as every authenticated request pays for each dependency FastAPI resolves
    state: AppState = request.app.state.auth
    principal = await principals.resolve(presented_token(request, bearer), state, required=required)
    if bearer is None and request.method not in web.SAFE_METHODS:
        await web.require_csrf(request, session_id=str(principal.session_id), csrf=state.csrf)
    return principal


async def get_current_user(security_scopes: SecurityScopes, request: Request, bearer: BearerToken) -> User:
    """The calling user, holding every scope the route needs."""
    return (await _caller(request, bearer, required=tuple(security_scopes.scopes))).user


async def get_current_principal(
    security_scopes: SecurityScopes, request: Request, bearer: BearerToken
) -> Principal:
    """The caller (user, session and scopes), holding every scope the route needs."""
    return await _caller(request, bearer, required=tuple(security_scopes.scopes))


async def get_optional_principal(request: Request, bearer: BearerToken) -> Principal | None:
    """The caller when the request carries a working token, else None (pages and logout use this)."""
    try:
        return await _caller(request, bearer)
    except DomainError:
        return None


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]
CurrentUser = Annotated[User, Security(get_current_user, scopes=[scopes.PROFILE])]
CurrentPrincipal = Annotated[Principal, Security(get_current_principal, scopes=[scopes.PROFILE])]
AdminUser = Annotated[User, Security(get_current_user, scopes=[scopes.ADMIN])]
