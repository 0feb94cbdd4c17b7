"""FastAPI dependencies: app state, client, and the caller (bearer token or auth cookie) with its scopes."""

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

from api.core import scopes
from api.db.models import User
from api.errors import DomainError
from api.http import browser
from api.http.credentials import presented_token
from api.http.source import source_of
from api.services import principals
from api.services.admin import Actor
from api.services.principals import Principal
from api.services.sessions import RequestSource
from api.services.state import AppState

# the OpenAPI document replaces this tokenUrl with settings.token_url (see api/http/openapi.py)
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes=scopes.DESCRIPTIONS, auto_error=False)


async def get_state(request: Request) -> AppState:
    """The state the app built at start-up."""
    state: AppState = request.app.state.auth
    return state


State = Annotated[AppState, Depends(get_state)]


async def get_source(request: Request, state: State) -> RequestSource:
    """Where the request comes from: user agent and address (proxy headers only from TRUSTED_PROXIES)."""
    return source_of(request, state.settings)


Source = Annotated[RequestSource, Depends(get_source)]
BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


async def _caller(
    request: Request, bearer: str | None, *, required: tuple[str, ...] = (), apps: bool = False
) -> Principal:
    # the bearer token, or else the login page's cookie: read here rather than through a second security
    # scheme, as every authenticated request pays for each dependency FastAPI resolves
    state: AppState = request.app.state.auth
    token = presented_token(request, bearer)
    principal = await principals.resolve(token, state, required=required, apps=apps)
    if bearer is None and request.method not in browser.SAFE_METHODS:
        await browser.require_csrf(request, session_id=str(principal.session_id), csrf=state.csrf)
    return principal


async def get_current_user(security_scopes: SecurityScopes, request: Request, bearer: BearerToken) -> User:
    """The calling user themselves, holding every scope the route needs; an app's token is refused (403)."""
    return (await _caller(request, bearer, required=tuple(security_scopes.scopes))).user


async def get_reading_user(security_scopes: SecurityScopes, request: Request, bearer: BearerToken) -> User:
    """The calling user, or an app with the user's token, holding every scope the route needs."""
    return (await _caller(request, bearer, required=tuple(security_scopes.scopes), apps=True)).user


async def get_reading_principal(
    security_scopes: SecurityScopes, request: Request, bearer: BearerToken
) -> Principal:
    """The calling user, or an app with the user's token (user, session, scopes and the app)."""
    return await _caller(request, bearer, required=tuple(security_scopes.scopes), apps=True)


async def get_current_principal(
    security_scopes: SecurityScopes, request: Request, bearer: BearerToken
) -> Principal:
    """The calling user themselves (user, session and scopes), holding every scope the route needs."""
    return await _caller(request, bearer, required=tuple(security_scopes.scopes))


async def get_optional_principal(request: Request, bearer: BearerToken) -> Principal | None:
    """The user themselves when the request carries a working token of theirs, else None (pages use this)."""
    try:
        return await _caller(request, bearer)
    except DomainError:
        return None


async def get_optional_caller(request: Request, bearer: BearerToken) -> Principal | None:
    """The caller of a working token, an app's included, else None (logout ends the token's own session)."""
    try:
        return await _caller(request, bearer, apps=True)
    except DomainError:
        return None


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]
OptionalCaller = Annotated[Principal | None, Depends(get_optional_caller)]


async def get_browser_principal(request: Request) -> Principal | None:
    """The browser's signed-in user (the auth cookie alone, never a bearer token), else None; a form that
    acts on it checks its CSRF token itself."""
    state: AppState = request.app.state.auth
    try:
        return await principals.resolve(request.cookies.get(browser.AUTH_COOKIE), state)
    except DomainError:
        return None


BrowserPrincipal = Annotated[Principal | None, Depends(get_browser_principal)]
# the /user/me family: the account's owner alone (an app's token reads GET /user/me through ReadingPrincipal)
CurrentUser = Annotated[User, Security(get_current_user, scopes=[scopes.PROFILE])]
CurrentPrincipal = Annotated[Principal, Security(get_current_principal, scopes=[scopes.PROFILE])]
ReadingPrincipal = Annotated[Principal, Security(get_reading_principal, scopes=[scopes.PROFILE])]
# `admin` reaches an app only when an administrator allowed it that scope on the consent page
AdminUser = Annotated[User, Security(get_reading_user, scopes=[scopes.ADMIN])]


async def get_admin_actor(admin: AdminUser, source: Source, state: State) -> Actor:
    """The calling administrator as the actor of what they change."""
    return Actor(id=admin.id, source=source, moment=state.clock())


AdminActor = Annotated[Actor, Depends(get_admin_actor)]
