"""Registration and the OAuth2 token endpoint."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .. import scopes
from ..deps import CurrentPrincipal, State
from ..errors import (
    EmailTaken,
    InactiveUser,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidScope,
    UsernameTaken,
    WeakPassword,
)
from ..models import User
from ..schemas import OAuthError, TokenResponse, UserCreate, UserOut
from ..services import auth, sessions, users
from ..services.sessions import Client
from ..state import AppState
from ..tokens import InvalidToken

router = APIRouter(tags=["auth"])

# RFC 6749 section 5.1: token answers must not be cached
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
INCORRECT_CREDENTIALS = "Incorrect username or password"


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses={
        status.HTTP_403_FORBIDDEN: {"description": "Registration is closed"},
        status.HTTP_409_CONFLICT: {"description": "Username or e-mail address already registered"},
    },
)
async def register(body: UserCreate, state: State) -> User:
    """Create an account."""
    if not state.settings.registration_open:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Registration is closed")
    try:
        return await users.register(
            username=body.username,
            password=body.password,
            email=body.email,
            full_name=body.full_name,
            hasher=state.hasher,
            min_password_length=state.settings.password_min_length,
        )
    except UsernameTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "Username already registered") from None
    except EmailTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered") from None
    except WeakPassword as exc:
        raise RequestValidationError(
            [{"type": "password_policy", "loc": ("body", "password"), "msg": str(exc)}]
        ) from None


class TokenRequest(BaseModel):
    """The token endpoint's form fields; all optional, so a missing one is RFC 6749's invalid_request."""

    grant_type: str | None = None
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    scope: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


def oauth_error(error: str, description: str) -> JSONResponse:
    """An RFC 6749 error answer, with FastAPI's `detail` beside `error`."""
    body = OAuthError(error=error, error_description=description, detail=description)
    return JSONResponse(body.model_dump(), status_code=status.HTTP_400_BAD_REQUEST, headers=NO_STORE)


def client_of(request: Request) -> Client:
    """The user agent and address a request comes from."""
    return Client(
        user_agent=request.headers.get("user-agent"), ip=request.client.host if request.client else None
    )


async def _grant(form: TokenRequest, request: Request, state: AppState) -> auth.IssuedTokens | JSONResponse:
    if form.grant_type == "refresh_token":
        if not form.refresh_token:
            return oauth_error("invalid_request", "The refresh_token field is required")
        return await auth.refresh_grant(refresh_token=form.refresh_token, scope=form.scope, state=state)
    if form.grant_type not in (None, "password"):
        return oauth_error("unsupported_grant_type", f"Grant type {form.grant_type!r} is not supported")
    if not form.username or form.password is None:
        return oauth_error("invalid_request", "The username and password fields are required")
    return await auth.password_grant(
        username=form.username,
        password=form.password,
        scope=form.scope,
        client=client_of(request),
        state=state,
    )


async def issue_token(
    form: Annotated[TokenRequest, Form()], request: Request, response: Response, state: State
) -> TokenResponse | JSONResponse:
    """Log in with the OAuth2 password flow, or trade a refresh token for a new pair."""
    try:
        issued = await _grant(form, request, state)
    except InvalidCredentials:
        return oauth_error("invalid_grant", INCORRECT_CREDENTIALS)
    except InvalidRefreshToken:
        return oauth_error("invalid_grant", "Invalid, expired or revoked refresh token")
    except InactiveUser:
        return oauth_error("invalid_grant", "Inactive user")
    except InvalidScope as exc:
        return oauth_error("invalid_scope", f"Scope not allowed: {exc}")
    if isinstance(issued, JSONResponse):
        return issued
    response.headers.update(NO_STORE)
    return TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        scope=scopes.render(issued.scopes),
    )


class RevocationRequest(BaseModel):
    """RFC 7009's form fields."""

    token: str | None = None
    token_type_hint: str | None = None


async def revoke_token(form: Annotated[RevocationRequest, Form()], state: State) -> Response:
    """Revoke an access or refresh token (RFC 7009): its whole session ends. Unknown tokens are fine too."""
    if not form.token:
        return oauth_error("invalid_request", "The token field is required")
    # the hint only says where to look first; both kinds are tried
    if not await sessions.revoke_refresh_token(form.token):
        try:
            claims = state.codec.decode_access_token(form.token)
        except InvalidToken:
            return Response(status_code=status.HTTP_200_OK, headers=NO_STORE)
        await sessions.revoke(claims.session_id)
    return Response(status_code=status.HTTP_200_OK, headers=NO_STORE)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentPrincipal) -> None:
    """End the current session: its access and refresh tokens stop working."""
    await sessions.revoke(principal.session_id)


def token_router(token_path: str) -> APIRouter:
    """The token and revocation endpoints, served at the configured TOKEN_URL."""
    token = APIRouter(tags=["auth"])
    token.add_api_route(
        token_path,
        issue_token,
        methods=["POST"],
        response_model=TokenResponse,
        responses={status.HTTP_400_BAD_REQUEST: {"model": OAuthError}},
        summary="Issue a token",
        name="token",
    )
    token.add_api_route(
        f"{token_path}/revoke",
        revoke_token,
        methods=["POST"],
        responses={status.HTTP_400_BAD_REQUEST: {"model": OAuthError}},
        summary="Revoke a token",
        name="revoke",
    )
    return token
