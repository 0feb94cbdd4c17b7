"""Registration and logout."""

from fastapi import APIRouter, HTTPException, status
from fastapi.exceptions import RequestValidationError

from .. import audit
from ..deps import ClientInfo, CurrentPrincipal, State
from ..errors import EmailTaken, UsernameTaken, WeakPassword
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


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=AUTHENTICATED)
async def logout(principal: CurrentPrincipal, client: ClientInfo) -> None:
    """End the current session: its access and refresh tokens stop working."""
    await sessions.revoke(principal.session_id)
    audit.record(
        "logout", outcome="success", ip=client.ip, user_id=principal.user.id, session_id=principal.session_id
    )
