"""Registration and logout."""

from fastapi import APIRouter, Request, Response, status

from api.db.models import User
from api.errors import NotAuthenticated
from api.http import browser
from api.http.deps import OptionalCaller, Source, State
from api.http.rendering import logged_out
from api.observability import audit
from api.routes.responses import AUTHENTICATED
from api.schemas.users import UserCreate, UserOut
from api.services import sessions, users

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
    return await users.self_register(
        username=body.username,
        password=body.password,
        email=body.email,
        full_name=body.full_name,
        state=state,
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**AUTHENTICATED, status.HTTP_303_SEE_OTHER: {"description": "From the page's logout button"}},
)
async def logout(request: Request, principal: OptionalCaller, source: Source, state: State) -> Response:
    """End the current session: its access and refresh tokens stop working, and the auth cookie is cleared."""
    from_browser = browser.is_browser_form(request)
    if principal is None and not from_browser:
        raise NotAuthenticated
    if principal is not None:
        await sessions.end(session_id=principal.session_id, moment=state.clock())
        audit.record(
            "logout",
            outcome="success",
            ip=source.ip,
            user_agent=source.user_agent,
            user_id=principal.user.id,
            session_id=principal.session_id,
        )
    return logged_out(browser=from_browser, settings=state.settings)
