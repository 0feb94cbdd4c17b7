"""Two-factor authentication of your own account: TOTP set-up, confirmation, turning off, recovery codes."""

from typing import Any

from fastapi import APIRouter, status

from api.http.deps import CurrentPrincipal, CurrentUser, Source, State
from api.observability import audit
from api.routes.responses import AUTHENTICATED
from api.schemas.mfa import PasswordConfirmation, RecoveryCodes, TotpCode, TotpEnrolment
from api.services import mfa

router = APIRouter(prefix="/user/me/mfa", tags=["two-factor"], responses=AUTHENTICATED)

WRONG_PASSWORD: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"description": "Incorrect password"}
}


@router.post(
    "/totp",
    response_model=TotpEnrolment,
    responses={
        **WRONG_PASSWORD,
        status.HTTP_409_CONFLICT: {"description": "Two-factor authentication is already on"},
    },
)
async def begin_totp(body: PasswordConfirmation, user: CurrentUser, state: State) -> TotpEnrolment:
    """Start setting up TOTP: a new secret and its QR code, in force once a code is confirmed."""
    enrolment = await mfa.begin(user, password=body.password, state=state)
    return TotpEnrolment(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg)


@router.post(
    "/totp/confirm",
    response_model=RecoveryCodes,
    responses={status.HTTP_400_BAD_REQUEST: {"description": "Invalid code"}},
)
async def confirm_totp(
    body: TotpCode, principal: CurrentPrincipal, state: State, source: Source
) -> RecoveryCodes:
    """Turn two-factor on with a code from the new secret; your other sessions end. The recovery codes."""
    user = principal.user
    codes = await mfa.confirm(user, code=body.code, session_id=str(principal.session_id), state=state)
    audit.record(
        "mfa_enabled", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )
    return RecoveryCodes(recovery_codes=codes)


@router.delete("/totp", status_code=status.HTTP_204_NO_CONTENT, responses=WRONG_PASSWORD)
async def disable_totp(body: PasswordConfirmation, user: CurrentUser, state: State, source: Source) -> None:
    """Turn two-factor off; the recovery codes stop working."""
    await mfa.disable(user, password=body.password, state=state)
    audit.record(
        "mfa_disabled", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )


@router.post("/recovery-codes", response_model=RecoveryCodes, responses=WRONG_PASSWORD)
async def regenerate_recovery_codes(
    body: PasswordConfirmation, user: CurrentUser, state: State
) -> RecoveryCodes:
    """Ten new recovery codes; the earlier ones stop working."""
    return RecoveryCodes(recovery_codes=await mfa.regenerate_codes(user, password=body.password, state=state))
