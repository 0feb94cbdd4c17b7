"""E-mail verification and password reset (JSON); the pages that the mails' links open are in email_pages."""

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from api.db.models import User
from api.http import browser
from api.http.deps import CurrentUser, Source, State
from api.observability import audit
from api.routes.responses import AUTHENTICATED, Responses
from api.schemas.common import ErrorDetail
from api.schemas.email import Accepted, EmailTokenBody, ForgotPassword, PasswordReset
from api.schemas.users import UserOut
from api.services import recovery

router = APIRouter(tags=["e-mail"])
RESET_ACCEPTED = "If an account uses that address, a reset link is on its way"
VERIFICATION_SENT = "Verification e-mail sent"
_INVALID: Responses = {
    status.HTTP_400_BAD_REQUEST: {"model": ErrorDetail, "description": "Invalid or expired token"}
}
_TOO_MANY: Responses = {
    status.HTTP_429_TOO_MANY_REQUESTS: {"model": ErrorDetail, "description": "See Retry-After"}
}


@router.post("/verify-email", response_model=UserOut, responses=_INVALID)
async def verify_email(body: EmailTokenBody, state: State, source: Source) -> User:
    """Verify an e-mail address with the token of the link that was mailed to it."""
    user = await recovery.verify_email(body.token, state=state)
    audit.record(
        "email_verification", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )
    return user


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={
        **AUTHENTICATED,
        status.HTTP_303_SEE_OTHER: {"description": "From the page's button"},
        status.HTTP_400_BAD_REQUEST: {"model": ErrorDetail, "description": "No address, or verified already"},
        **_TOO_MANY,
    },
)
async def resend_verification(request: Request, user: CurrentUser, state: State) -> Response | Accepted:
    """Mail a new verification link to your address (3 an hour)."""
    await recovery.resend_verification(user, state=state)
    if browser.is_browser_form(request):
        return RedirectResponse("/private?verification=sent", status_code=status.HTTP_303_SEE_OTHER)
    return Accepted(detail=VERIFICATION_SENT)


@router.post(
    "/forgot-password", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted, responses=_TOO_MANY
)
async def forgot_password(body: ForgotPassword, state: State, source: Source) -> Accepted:
    """Mail a reset link, if an account uses this address; the answer is the same either way."""
    await recovery.forgot_password(body.email, ip=source.ip or "unknown", state=state)
    audit.record("password_reset_request", outcome="success", ip=source.ip, user_agent=source.user_agent)
    return Accepted(detail=RESET_ACCEPTED)


@router.post("/reset-password", status_code=status.HTTP_204_NO_CONTENT, responses=_INVALID)
async def reset_password(body: PasswordReset, state: State, source: Source) -> None:
    """Set a new password with a reset link's token; every session ends."""
    user = await recovery.reset_password(body.token, body.new_password, state=state)
    audit.record(
        "password_reset", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )
