"""Registration and logout."""

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse

from .. import audit, web
from ..deps import ClientInfo, OptionalPrincipal, State
from ..errors import EmailTaken, RegistrationClosed, UsernameTaken, WeakPassword
from ..models import User
from ..schemas import UserCreate, UserOut
from ..services import sessions, users
from .responses import AUTHENTICATED

router = APIRouter(tags=["auth"])


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
    try:
        return await users.self_register(body, state=state)
    except RegistrationClosed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Registration is closed") from None
    except UsernameTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "Username already registered") from None
    except EmailTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered") from None
    except WeakPassword as exc:
        raise RequestValidationError(
            [{"type": "password_policy", "loc": ("body", "password"), "msg": str(exc)}]
        ) from None


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**AUTHENTICATED, status.HTTP_303_SEE_OTHER: {"description": "From the page's logout button"}},
)
async def logout(
    request: Request, principal: OptionalPrincipal, client: ClientInfo, state: State
) -> Response:
    """End the current session: its access and refresh tokens stop working, and the auth cookie is cleared."""
    browser = web.is_browser_form(request)
    if principal is None and not browser:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Not authenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    if principal is not None:
        await sessions.revoke(principal.session_id)
        audit.record(
            "logout",
            outcome="success",
            ip=client.ip,
            user_id=principal.user.id,
            session_id=principal.session_id,
        )
    response: Response = (
        RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
        if browser
        else Response(status_code=status.HTTP_204_NO_CONTENT)
    )
    web.clear_auth_cookie(response, settings=state.settings)
    return response
