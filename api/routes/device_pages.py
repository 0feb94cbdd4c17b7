"""The device flow's pages (RFC 8628 section 3.3): a signed-in person types the code a device shows, allows
it on the consent page of `/authorize` (unless already allowed, or the app is trusted), and is told to go
back to the device."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.core import user_codes
from api.db.models import DeviceAuthorization
from api.errors import RateLimited, UnknownUserCode
from api.http import browser
from api.http.deps import BrowserPrincipal, Source, State
from api.http.rendering import render
from api.observability import audit
from api.oidc import authorization, consents, device_answers, devices
from api.oidc.device_answers import AskConsent
from api.schemas.common import PARAMETER_MAX_LENGTH, Text
from api.services.principals import Principal
from api.services.sessions import RequestSource

router = APIRouter(tags=["openid connect"])
UserCode = Annotated[Text | None, Query(max_length=PARAMETER_MAX_LENGTH)]
_PAGES: dict[int | str, dict[str, object]] = {
    status.HTTP_200_OK: {"description": "A page", "content": {"text/html": {}}},
    status.HTTP_303_SEE_OTHER: {"description": "Not signed in: to the login page, and back"},
}


@router.get("/device", response_class=HTMLResponse, responses=_PAGES)
async def device_page(request: Request, principal: BrowserPrincipal, user_code: UserCode = None) -> Response:
    """The page where a person types the code a device shows (`user_code` fills it in)."""
    if principal is None:
        return _sign_in_first(user_code)
    return _code_page(request, principal, typed=user_code)


@router.post(
    "/device",
    response_class=HTMLResponse,
    responses={
        **_PAGES,
        status.HTTP_400_BAD_REQUEST: {"description": "The code page again: a wrong code"},
        status.HTTP_403_FORBIDDEN: {"description": "A form without the CSRF token"},
        status.HTTP_429_TOO_MANY_REQUESTS: {"description": "Too many wrong codes from this address"},
    },
)
async def device_form(
    request: Request,
    principal: BrowserPrincipal,
    state: State,
    source: Source,
    user_code: Annotated[Text | None, Form(max_length=PARAMETER_MAX_LENGTH)] = None,
    decision: Annotated[
        Text | None, Form(max_length=PARAMETER_MAX_LENGTH, description="`allow`; anything else denies")
    ] = None,
) -> Response:
    """The code typed in (then the consent page, if it is needed), or the consent page's Allow or Deny."""
    if principal is None:
        return _sign_in_first(user_code)
    await browser.require_csrf(request, session_id=str(principal.session_id), csrf=state.csrf)
    moment = state.clock()
    try:
        found = await devices.waiting(user_code or "", address=source.ip or "unknown", moment=moment)
        sign_in = await authorization.sign_in_of(
            user_id=principal.user.id, session_id=str(principal.session_id)
        )
        if sign_in is None:
            return _sign_in_first(user_code)
        answered = await device_answers.answer(
            found,
            user=principal.user,
            sign_in=sign_in,
            decision=None if decision is None else ("allow" if decision == "allow" else "deny"),
            settings=state.settings,
            moment=moment,
        )
        if isinstance(answered, AskConsent):
            return _consent_page(request, principal, found, answered.scopes)
    except UnknownUserCode as exc:
        return _code_page(request, principal, typed=user_code, error=exc.message)
    except RateLimited as exc:
        return _code_page(
            request,
            principal,
            typed=user_code,
            error=exc.message,
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers=exc.headers,
        )
    _record("approved" if answered.approved else "denied", found, principal, source)
    return render(
        request,
        "device_done.html",
        principal=principal,
        approved=answered.approved,
        client_name=found.client.name,
    )


def _sign_in_first(user_code: str | None) -> RedirectResponse:
    back = "/device" + (f"?{urlencode({'user_code': user_code})}" if user_code else "")
    return RedirectResponse(f"/login?{urlencode({'next': back})}", status_code=status.HTTP_303_SEE_OTHER)


def _code_page(
    request: Request,
    principal: Principal,
    *,
    typed: str | None,
    error: str | None = None,
    status_code: int = status.HTTP_400_BAD_REQUEST,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    # a code that reads as one is shown as the device shows it; anything else as it was typed
    code = user_codes.normalized(typed or "")
    return render(
        request,
        "device.html",
        principal=principal,
        typed=user_codes.shown(code) if code is not None else (typed or "")[:20],
        error=error,
        status_code=status_code if error is not None else status.HTTP_200_OK,
        headers=headers,
    )


def _consent_page(
    request: Request, principal: Principal, found: DeviceAuthorization, granted: frozenset[str]
) -> HTMLResponse:
    return render(
        request,
        "consent.html",
        principal=principal,
        client_name=found.client.name,
        scopes=[(scope, consents.in_words(scope)) for scope in sorted(granted)],
        fields=[("user_code", user_codes.shown(found.user_code))],
        decide_at="/device",
    )


def _record(outcome: str, found: DeviceAuthorization, principal: Principal, source: RequestSource) -> None:
    audit.record(
        "device_authorization",
        outcome=outcome,
        ip=source.ip,
        user_id=principal.user.id,
        client_id=found.client.client_id,
    )
