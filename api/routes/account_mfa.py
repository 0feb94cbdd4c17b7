"""The account page's two-factor forms: set up (QR code, first code), recovery codes, turning off."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from api.errors import DomainError
from api.http.deps import Source
from api.observability import audit
from api.routes.account_forms import AccountForm, AccountFormRoute
from api.schemas.common import Text
from api.services import mfa

router = APIRouter(prefix="/account/mfa", include_in_schema=False, route_class=AccountFormRoute)


@router.post("/setup", response_class=HTMLResponse)
async def set_up_mfa(page: AccountForm, password: Annotated[str, Form(max_length=128)]) -> Response:
    """Begin two-factor: the QR code and secret, and a form for the first code."""
    enrolment = await mfa.begin(page.principal.user, password=password, state=page.state)
    return await page.show(enrolment=enrolment)


@router.post("/confirm", response_class=HTMLResponse)
async def confirm_mfa(
    page: AccountForm, source: Source, code: Annotated[Text, Form(max_length=20)]
) -> Response:
    """Turn two-factor on with the first code; the recovery codes, shown this once."""
    principal, state = page.principal, page.state
    user = principal.user
    try:
        codes = await mfa.confirm(user, code=code, session_id=str(principal.session_id), state=state)
    except DomainError:
        page.on_failure(enrolment=await mfa.pending(user, state=state))
        raise
    audit.record(
        "mfa_enabled", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )
    return await page.show(codes=codes, notice="Two-factor authentication is on.")


@router.post("/recovery-codes", response_class=HTMLResponse)
async def new_recovery_codes(page: AccountForm, password: Annotated[str, Form(max_length=128)]) -> Response:
    """Ten new recovery codes, shown this once; the earlier ones stop working."""
    codes = await mfa.regenerate_codes(page.principal.user, password=password, state=page.state)
    return await page.show(codes=codes, notice="New recovery codes made.")


@router.post("/disable", response_class=HTMLResponse)
async def disable_mfa(
    page: AccountForm, source: Source, password: Annotated[str, Form(max_length=128)]
) -> Response:
    """Turn two-factor off."""
    await mfa.disable(page.principal.user, password=password, state=page.state)
    audit.record(
        "mfa_disabled",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=page.principal.user.id,
    )
    return await page.show(notice="Two-factor authentication is off.")
