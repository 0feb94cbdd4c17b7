"""The pages behind the mails' links: forgot password, reset password, verify e-mail.

A GET only shows a page: a link's token is used only by the form the page posts (mail scanners open links).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.errors import DomainError
from api.http import browser
from api.http.deps import Source, State
from api.http.rendering import render
from api.observability import audit
from api.routes.email import RESET_ACCEPTED
from api.schemas.common import Text
from api.schemas.email import ForgotPassword
from api.services import recovery

# the pages a mail's link opens share their paths with the API's POSTs, so they are documented too
router = APIRouter(tags=["pages"])
# a link's token, as the mail gave it
LinkToken = Annotated[Text, Query(max_length=200)]


def _elsewhere(request: Request, template: str, **context: Any) -> HTMLResponse | None:
    if browser.same_origin(request):
        return None
    return render(
        request, template, status_code=status.HTTP_403_FORBIDDEN, error="Use this site's own page.", **context
    )


@router.get("/forgot-password", response_class=HTMLResponse)
async def forgot_password_page(request: Request) -> HTMLResponse:
    """The form that asks for a reset link."""
    return render(request, "forgot_password.html", error=None, done=None)


@router.post("/forgot-password/form", response_class=HTMLResponse, include_in_schema=False)
async def forgot_password_form(
    request: Request, email: Annotated[Text, Form(max_length=320)], state: State, source: Source
) -> HTMLResponse:
    """Ask for a reset link from the page."""
    if refused := _elsewhere(request, "forgot_password.html", done=None):
        return refused
    try:
        address = ForgotPassword(email=email).email
        await recovery.forgot_password(address, ip=source.ip or "unknown", state=state)
    except ValidationError:
        return render(
            request,
            "forgot_password.html",
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            error="That is not an e-mail address.",
            done=None,
        )
    except DomainError as exc:
        return render(
            request,
            "forgot_password.html",
            status_code=exc.status_code,
            headers=exc.headers,
            error=exc.message,
            done=None,
        )
    audit.record("password_reset_request", outcome="success", ip=source.ip, user_agent=source.user_agent)
    return render(request, "forgot_password.html", error=None, done=RESET_ACCEPTED)


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_password_page(request: Request, state: State, token: LinkToken = "") -> HTMLResponse:
    """The form that sets a new password; the token is used only when it is posted."""
    return render(
        request,
        "reset_password.html",
        token=token,
        error=None,
        done=False,
        min_password_length=state.settings.password_min_length,
    )


@router.post("/reset-password/form", response_class=HTMLResponse, include_in_schema=False)
async def reset_password_form(
    request: Request,
    token: Annotated[Text, Form(max_length=200)],
    new_password: Annotated[str, Form(max_length=128)],
    state: State,
    source: Source,
) -> HTMLResponse:
    """Set the new password from the page."""
    context: dict[str, Any] = {"token": token, "min_password_length": state.settings.password_min_length}
    if refused := _elsewhere(request, "reset_password.html", done=False, **context):
        return refused
    try:
        user = await recovery.reset_password(token, new_password, state=state)
    except DomainError as exc:
        return render(
            request,
            "reset_password.html",
            status_code=exc.status_code,
            error=exc.message,
            done=False,
            **context,
        )
    audit.record(
        "password_reset", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )
    return render(request, "reset_password.html", error=None, done=True, **context)


@router.get("/verify-email", response_class=HTMLResponse)
async def verify_email_page(request: Request, token: LinkToken = "") -> HTMLResponse:
    """A page with one button that verifies the address; opening the link alone verifies nothing."""
    return render(request, "verify_email.html", token=token, error=None, done=False)


@router.post("/verify-email/form", response_class=HTMLResponse, include_in_schema=False)
async def verify_email_form(
    request: Request, token: Annotated[Text, Form(max_length=200)], state: State, source: Source
) -> HTMLResponse:
    """Verify the address from the page's button."""
    if refused := _elsewhere(request, "verify_email.html", token=token, done=False):
        return refused
    try:
        user = await recovery.verify_email(token, state=state)
    except DomainError as exc:
        return render(
            request,
            "verify_email.html",
            status_code=exc.status_code,
            error=exc.message,
            token=token,
            done=False,
        )
    audit.record(
        "email_verification", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )
    return render(request, "verify_email.html", token="", error=None, done=True)
