"""Registration and the OAuth2 token endpoint."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ..deps import State
from ..errors import (
    EmailTaken,
    InactiveUser,
    InvalidCredentials,
    InvalidScope,
    UsernameTaken,
    WeakPassword,
)
from ..models import User
from ..schemas import OAuthError, TokenResponse, UserCreate, UserOut
from ..services import auth, users

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
    scope: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


def oauth_error(error: str, description: str) -> JSONResponse:
    """An RFC 6749 error answer, with FastAPI's `detail` beside `error`."""
    body = OAuthError(error=error, error_description=description, detail=description)
    return JSONResponse(body.model_dump(), status_code=status.HTTP_400_BAD_REQUEST, headers=NO_STORE)


async def issue_token(
    form: Annotated[TokenRequest, Form()], state: State, response: Response
) -> TokenResponse | JSONResponse:
    """Log in with the OAuth2 password flow and receive an access token."""
    if form.grant_type not in (None, "password"):
        return oauth_error("unsupported_grant_type", f"Grant type {form.grant_type!r} is not supported")
    if not form.username or form.password is None:
        return oauth_error("invalid_request", "The username and password fields are required")
    try:
        issued = await auth.password_grant(
            username=form.username, password=form.password, scope=form.scope, state=state
        )
    except InvalidCredentials:
        return oauth_error("invalid_grant", INCORRECT_CREDENTIALS)
    except InactiveUser:
        return oauth_error("invalid_grant", "Inactive user")
    except InvalidScope as exc:
        return oauth_error("invalid_scope", f"Scope not allowed: {exc}")
    response.headers.update(NO_STORE)
    return TokenResponse(
        access_token=issued.access_token, expires_in=issued.expires_in, scope=" ".join(sorted(issued.scopes))
    )


def token_router(token_path: str) -> APIRouter:
    """The token endpoint, served at the configured TOKEN_URL."""
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
    return token
