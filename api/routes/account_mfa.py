"""The account page's two-factor forms: set up (QR code, first code), recovery codes, turning off."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.errors import DomainError
from api.http.deps import OptionalPrincipal, Source, State
from api.observability import audit
from api.routes.account import account_page, failed, to_login
from api.services import mfa

router = APIRouter(prefix="/account/mfa", include_in_schema=False)


@router.post("/setup", response_class=HTMLResponse)
async def set_up_mfa(
    request: Request,
    principal: OptionalPrincipal,
    state: State,
    password: Annotated[str, Form(max_length=128)],
) -> Response:
    """Begin two-factor: the QR code and secret, and a form for the first code."""
    if principal is None:
        return to_login()
    try:
        enrolment = await mfa.begin(principal.user, password=password, state=state)
    except DomainError as exc:
        return await failed(request, principal, state, exc)
    return await account_page(request, principal, state, enrolment=enrolment)


@router.post("/confirm", response_class=HTMLResponse)
async def confirm_mfa(
    request: Request,
    principal: OptionalPrincipal,
    state: State,
    source: Source,
    code: Annotated[str, Form(max_length=20)],
) -> Response:
    """Turn two-factor on with the first code; the recovery codes, shown this once."""
    if principal is None:
        return to_login()
    user = principal.user
    try:
        codes = await mfa.confirm(user, code=code, session_id=str(principal.session_id), state=state)
    except DomainError as exc:
        return await failed(request, principal, state, exc, enrolment=await mfa.pending(user, state=state))
    audit.record("mfa_enabled", outcome="success", ip=source.ip, user_id=user.id)
    return await account_page(
        request, principal, state, codes=codes, notice="Two-factor authentication is on."
    )


@router.post("/recovery-codes", response_class=HTMLResponse)
async def new_recovery_codes(
    request: Request,
    principal: OptionalPrincipal,
    state: State,
    password: Annotated[str, Form(max_length=128)],
) -> Response:
    """Ten new recovery codes, shown this once; the earlier ones stop working."""
    if principal is None:
        return to_login()
    try:
        codes = await mfa.regenerate_codes(principal.user, password=password, state=state)
    except DomainError as exc:
        return await failed(request, principal, state, exc)
    return await account_page(request, principal, state, codes=codes, notice="New recovery codes made.")


@router.post("/disable", response_class=HTMLResponse)
async def disable_mfa(
    request: Request,
    principal: OptionalPrincipal,
    state: State,
    source: Source,
    password: Annotated[str, Form(max_length=128)],
) -> Response:
    """Turn two-factor off."""
    if principal is None:
        return to_login()
    try:
        await mfa.disable(principal.user, password=password, state=state)
    except DomainError as exc:
        return await failed(request, principal, state, exc)
    audit.record("mfa_disabled", outcome="success", ip=source.ip, user_id=principal.user.id)
    return await account_page(request, principal, state, notice="Two-factor authentication is off.")
