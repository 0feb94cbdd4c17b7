"""The account page: profile, password, sessions, two-factor and deletion, for the signed-in browser.

Every form posts here with the auth cookie and its CSRF token (checked by the principal dependency), and the
answer is the page again, saying what happened, or a redirect.
"""

import contextlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.errors import DomainError
from api.http.deps import OptionalPrincipal, Source, State
from api.http.rendering import logged_in, logged_out, render
from api.observability import audit
from api.schemas.users import ProfileUpdate
from api.services import grants, sessions, users
from api.services.principals import Principal
from api.services.state import AppState

router = APIRouter(prefix="/account", include_in_schema=False)
_LOGIN = "/login?next=/account"


async def account_page(
    request: Request,
    principal: Principal,
    state: AppState,
    *,
    status_code: int = status.HTTP_200_OK,
    **shown: Any,
) -> HTMLResponse:
    """The account page, with whatever a form just produced (`notice`, `error`, `enrolment`, `codes`)."""
    settings = state.settings
    return render(
        request,
        "account.html",
        principal=principal,
        status_code=status_code,
        sessions=await sessions.active(principal.user.id),
        current_session=principal.session_id,
        admin_needs_mfa=principal.user.is_admin
        and settings.mfa_required_for_admins
        and not principal.user.mfa_enabled,
        **{"notice": None, "error": None, "enrolment": None, "codes": None, **shown},
    )


def to_login() -> RedirectResponse:
    """To the login page, and back here afterwards."""
    return RedirectResponse(_LOGIN, status_code=status.HTTP_303_SEE_OTHER)


async def failed(
    request: Request, principal: Principal, state: AppState, exc: DomainError, **shown: Any
) -> HTMLResponse:
    return await account_page(
        request, principal, state, status_code=exc.status_code, error=exc.message, **shown
    )


@router.get("", response_class=HTMLResponse)
async def show(request: Request, principal: OptionalPrincipal, state: State, done: str = "") -> Response:
    """The account page; anonymous visitors log in first."""
    if principal is None:
        return to_login()
    notices = {"password": "Password changed: your other sessions have ended.", "profile": "Profile saved."}
    return await account_page(request, principal, state, notice=notices.get(done))


@router.post("/profile", response_class=HTMLResponse)
async def save_profile(
    request: Request,
    principal: OptionalPrincipal,
    state: State,
    email: Annotated[str, Form(max_length=320)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Change the e-mail address and full name (blank clears them)."""
    if principal is None:
        return to_login()
    try:
        changes = ProfileUpdate(email=email or None, full_name=full_name or None).model_dump()
        await users.update_profile(principal.user, changes=changes, state=state)
    except ValidationError:
        return await account_page(
            request,
            principal,
            state,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            error="That is not an e-mail address.",
        )
    except DomainError as exc:
        return await failed(request, principal, state, exc)
    return RedirectResponse("/account?done=profile", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    principal: OptionalPrincipal,
    state: State,
    source: Source,
    current_password: Annotated[str, Form(max_length=128)],
    new_password: Annotated[str, Form(max_length=128)],
) -> Response:
    """Change the password; every session ends, and this browser gets a new one."""
    if principal is None:
        return to_login()
    user = principal.user
    try:
        await users.change_password(
            user, current_password=current_password, new_password=new_password, state=state
        )
    except DomainError as exc:
        audit.record("password_change", outcome="failure", ip=source.ip, user_id=user.id)
        return await failed(request, principal, state, exc)
    audit.record("password_change", outcome="success", ip=source.ip, user_id=user.id)
    return logged_in(
        await grants.open_session(user, source=source, state=state),
        target="/account?done=password",
        settings=state.settings,
    )


@router.post("/sessions/{session_id}/end", response_class=HTMLResponse)
async def end_session(session_id: uuid.UUID, principal: OptionalPrincipal, source: Source) -> Response:
    """End one of your sessions (this one too: that is logging out)."""
    if principal is None:
        return to_login()
    with contextlib.suppress(DomainError):  # ended meanwhile: the list shows what is left
        await sessions.end_own(user_id=principal.user.id, session_id=session_id)
    audit.record(
        "revocation", outcome="success", ip=source.ip, user_id=principal.user.id, session_id=str(session_id)
    )
    target = "/" if session_id == principal.session_id else "/account"
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


@router.post("/delete", response_class=HTMLResponse)
async def delete_account(
    request: Request,
    principal: OptionalPrincipal,
    state: State,
    source: Source,
    password: Annotated[str, Form(max_length=128)],
) -> Response:
    """Delete the account with the password; the browser is logged out."""
    if principal is None:
        return to_login()
    user = principal.user
    try:
        await users.delete_account(user, password=password, hasher=state.hasher)
    except DomainError as exc:
        audit.record("account_deletion", outcome="failure", ip=source.ip, user_id=user.id)
        return await failed(request, principal, state, exc)
    audit.record("account_deletion", outcome="success", ip=source.ip, user_id=user.id)
    return logged_out(browser=True, settings=state.settings)
