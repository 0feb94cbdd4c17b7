"""RP-initiated logout (`/end-session`): an app signs its user out here too, never silently for another."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.errors import InvalidLogoutRequest
from api.http import browser
from api.http.deps import BrowserPrincipal, Source, State
from api.http.rendering import render
from api.observability import audit
from api.oidc import logout
from api.routes.responses import UNUSABLE_PARAMETERS, form_body
from api.schemas.common import NO_NUL, PARAMETER_MAX_LENGTH
from api.services import sessions
from api.services.principals import Principal
from api.services.sessions import RequestSource
from api.services.state import AppState

router = APIRouter(tags=["openid connect"])
_PARAMETERS = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "string", "pattern": NO_NUL, "maxLength": browser.parameter_limit(name)},
        "description": description,
    }
    for name, description in (
        ("id_token_hint", "an id_token we issued to the app (an expired one asks first)"),
        ("client_id", "the app's client_id"),
        ("post_logout_redirect_uri", "one of the app's post_logout_redirect_uris"),
        ("state", "returned to the app with the redirect"),
    )
]
# the same parameters as a form; `logout` (with the page's csrf_token) confirms the confirmation page
_FORM = form_body(
    _PARAMETERS,
    logout={"type": "string", "maxLength": PARAMETER_MAX_LENGTH, "pattern": NO_NUL},
    csrf_token={"type": "string", "maxLength": PARAMETER_MAX_LENGTH, "pattern": NO_NUL},
)
_ANSWERS: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {"description": "Signed out, or a page asking first", "content": {"text/html": {}}},
    status.HTTP_302_FOUND: {"description": "Signed out: back to the app's post_logout_redirect_uri"},
    status.HTTP_400_BAD_REQUEST: {"description": "A hint not signed here", "content": {"text/html": {}}},
    **UNUSABLE_PARAMETERS,
}


@router.get(
    "/end-session", response_class=HTMLResponse, responses=_ANSWERS, openapi_extra={"parameters": _PARAMETERS}
)
async def end_session(
    request: Request, principal: BrowserPrincipal, state: State, source: Source
) -> Response:
    """Sign out at an app's request (OpenID Connect RP-Initiated Logout)."""
    return await _end_session(request, await browser.request_parameters(request), principal, state, source)


@router.post(
    "/end-session",
    response_class=HTMLResponse,
    responses={**_ANSWERS, status.HTTP_403_FORBIDDEN: {"description": "Confirmed without the CSRF token"}},
    openapi_extra={"requestBody": _FORM},
)
async def end_session_form(
    request: Request, principal: BrowserPrincipal, state: State, source: Source
) -> Response:
    """The same as a form post, and the confirmation page's button."""
    return await _end_session(request, await browser.request_parameters(request), principal, state, source)


async def _end_session(
    request: Request,
    parameters: Mapping[str, Sequence[str]],
    principal: Principal | None,
    state: AppState,
    source: RequestSource,
) -> Response:
    try:
        checked = await logout.check(
            parameters, keys=state.keys, settings=state.settings, moment=state.clock()
        )
    except InvalidLogoutRequest as exc:
        return _page(
            request, principal, status_code=status.HTTP_400_BAD_REQUEST, error=exc.message, fields=[]
        )
    user_id = principal.user.id if principal is not None else None
    confirmed = "logout" in parameters and request.method == "POST"
    if principal is not None and confirmed:
        await browser.require_csrf(request, session_id=str(principal.session_id), csrf=state.csrf)
    hint = checked.hint
    if principal is not None and not confirmed and (hint is None or hint.user_id != user_id or hint.expired):
        # no hint, another user's, or an expired one (it may be an old token replayed): ask, never sign out
        # silently
        return _page(
            request,
            principal,
            fields=sorted(checked.parameters.items()),
            client_name=checked.client_name,
            form_target=checked.redirect or "",
        )
    if principal is not None:
        await sessions.end(session_id=principal.session_id, moment=state.clock())
        audit.record(
            "end_session",
            outcome="success",
            ip=source.ip,
            user_agent=source.user_agent,
            user_id=user_id,
            session_id=principal.session_id,
            client_id=checked.client_id,
        )
    if checked.redirect is not None:
        response: Response = RedirectResponse(checked.redirect, status_code=status.HTTP_302_FOUND)
    else:
        response = render(request, "signed_out.html")
    browser.clear_auth_cookie(response, settings=state.settings)
    return response


def _page(
    request: Request,
    principal: Principal | None,
    *,
    status_code: int = status.HTTP_200_OK,
    form_target: str = "",
    **shown: Any,
) -> HTMLResponse:
    return render(
        request,
        "end_session.html",
        principal=principal,
        status_code=status_code,
        form_target=form_target,
        **{"error": None, "client_name": None, **shown},
    )
