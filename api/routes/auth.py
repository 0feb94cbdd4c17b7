"""Registration and logout."""

from fastapi import APIRouter, Request, Response, status

from .. import audit, web
from ..deps import ClientInfo, OptionalPrincipal, State
from ..edge.pages import logged_out
from ..errors import NotAuthenticated
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
    return await users.self_register(body, state=state)


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
        raise NotAuthenticated
    if principal is not None:
        await sessions.revoke(principal.session_id)
        audit.record(
            "logout",
            outcome="success",
            ip=client.ip,
            user_id=principal.user.id,
            session_id=principal.session_id,
        )
    return logged_out(browser=browser, settings=state.settings)
