"""FastAPI dependencies: the app state, the bearer token, the current user and the scopes a route needs."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

from . import scopes
from .errors import InactiveUser, UnknownUser
from .models import User
from .services import users
from .state import AppState
from .tokens import InvalidToken

# the OpenAPI document replaces this tokenUrl with settings.token_url (see api/openapi.py)
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes=scopes.DESCRIPTIONS, auto_error=False)


def get_state(request: Request) -> AppState:
    """The state the app built at start-up."""
    state: AppState = request.app.state.auth
    return state


State = Annotated[AppState, Depends(get_state)]
BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


def _invalid_token() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Could not validate credentials",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


async def get_current_user(security_scopes: SecurityScopes, token: BearerToken, state: State) -> User:
    """The active user whose access token came with the request, holding every scope the route needs."""
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Not authenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        claims = state.codec.decode_access_token(token)
    except InvalidToken:
        raise _invalid_token() from None
    if not set(security_scopes.scopes) <= claims.scopes:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Not enough permissions",
            headers={
                "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{security_scopes.scope_str}"'
            },
        )
    try:
        return await users.user_for_token(claims.user_id)
    except UnknownUser:
        raise _invalid_token() from None
    except InactiveUser:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Inactive user") from None


CurrentUser = Annotated[User, Security(get_current_user, scopes=[scopes.PROFILE])]
AdminUser = Annotated[User, Security(get_current_user, scopes=[scopes.ADMIN])]
