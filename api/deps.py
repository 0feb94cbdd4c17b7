"""FastAPI dependencies: app state, client, and the caller (bearer token or auth cookie) with its scopes."""

import uuid
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

from . import scopes, web
from .errors import InactiveUser, UnknownUser
from .models import User
from .services import access
from .services.sessions import Client
from .state import AppState
from .tokens import InvalidToken

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
    if peer is None or not _within(peer, trusted):
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


async def get_client(request: Request, state: State) -> Client:
    """Where the request comes from: user agent and address (proxy headers only from TRUSTED_PROXIES)."""
    peer = request.client.host if request.client else None
    return Client(
        user_agent=request.headers.get("user-agent"),
        ip=client_address(peer, request.headers.get("x-forwarded-for"), state.settings.trusted_networks),
    )


ClientInfo = Annotated[Client, Depends(get_client)]
BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


def _invalid_token() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Could not validate credentials",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the active user, the session their token belongs to, and the token's scopes."""

    user: User
    session_id: uuid.UUID
    scopes: frozenset[str]


async def principal_for(token: str, state: AppState) -> Principal:
    """The principal behind an access token: valid signature, active session, active user."""
    try:
        claims = state.codec.decode_access_token(token)
    except InvalidToken:
        raise _invalid_token() from None
    try:
        user = await access.active_user(session_id=claims.session_id, user_id=claims.user_id)
    except UnknownUser:
        raise _invalid_token() from None
    except InactiveUser:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Inactive user") from None
    # an administrator demoted since the token was issued loses `admin` at once
    return Principal(
        user=user,
        session_id=uuid.UUID(claims.session_id),
        scopes=claims.scopes & scopes.allowed(is_admin=user.is_admin),
    )


async def _caller(request: Request, bearer: str | None, *, required: tuple[str, ...] = ()) -> Principal:
    # the bearer token, or else the login page's cookie: read here rather than through a second security
    # scheme, as every authenticated request pays for each dependency FastAPI resolves
    state: AppState = request.app.state.auth
    token = bearer or request.cookies.get(web.AUTH_COOKIE)
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Not authenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    principal = await principal_for(token, state)
    if not principal.scopes.issuperset(required):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Not enough permissions",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(required)}"'},
        )
    if bearer is None and request.method not in web.SAFE_METHODS:
        await web.require_csrf(request, session_id=str(principal.session_id), codec=state.codec)
    return principal


async def get_principal(security_scopes: SecurityScopes, request: Request, bearer: BearerToken) -> Principal:
    """The caller, from the bearer token or else the auth cookie, holding every scope the route needs."""
    return await _caller(request, bearer, required=tuple(security_scopes.scopes))


async def get_current_user(security_scopes: SecurityScopes, request: Request, bearer: BearerToken) -> User:
    """The calling user, holding every scope the route needs."""
    return (await _caller(request, bearer, required=tuple(security_scopes.scopes))).user


async def get_optional_principal(request: Request, bearer: BearerToken) -> Principal | None:
    """The caller when the request carries a working token, else None (pages and logout use this)."""
    try:
        return await _caller(request, bearer)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_403_FORBIDDEN:  # a CSRF refusal stays one
            raise
        return None


CurrentPrincipal = Annotated[Principal, Security(get_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]
CurrentUser = Annotated[User, Security(get_current_user, scopes=[scopes.PROFILE])]
AdminUser = Annotated[User, Security(get_current_user, scopes=[scopes.ADMIN])]
