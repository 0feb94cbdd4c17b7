"""The authorization endpoint (`GET` or `POST /authorize`): sign in, consent, and back to the app with a
code; a bad client or redirect URI gets a page, any other error goes back to the app."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.errors import AccessDenied, AuthorizationRefused, UnverifiedRedirect
from api.http import browser
from api.http.deps import BrowserPrincipal, Source, State
from api.http.rendering import render
from api.observability import audit
from api.oidc import authorization, consents, requests
from api.oidc.authorization import AskConsent, SignInFirst
from api.oidc.requests import AuthorizationRequest
from api.routes.responses import UNUSABLE_PARAMETERS, form_body
from api.schemas.common import NO_NUL, PARAMETER_MAX_LENGTH
from api.services import clients
from api.services.principals import Principal
from api.services.sessions import RequestSource
from api.services.state import AppState

router = APIRouter(tags=["openid connect"])


def _query(name: str, description: str, *, required: bool = False) -> dict[str, object]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": {"type": "string", "pattern": NO_NUL, "maxLength": browser.parameter_limit(name)},
        "description": description,
    }


# the route reads its parameters itself (a repeated one is an error, an unknown one ignored): documented here
_AUTHORIZE_PARAMETERS = [
    _query("response_type", "`code`", required=True),
    _query("client_id", "the app's client_id", required=True),
    _query("redirect_uri", "exactly one of the app's redirect URIs", required=True),
    _query("scope", "e.g. `openid profile email offline_access`", required=True),
    _query("state", "returned to the app as it is"),
    _query("nonce", "copied into the id_token"),
    _query("code_challenge", "PKCE: BASE64URL(SHA256(code_verifier))"),
    _query("code_challenge_method", "`S256`"),
    _query("prompt", "`none`, `login` or `consent`"),
    _query("max_age", "seconds: an older sign-in asks for the password again"),
    _query("login_hint", "fills in the username on the login page"),
]
# the same parameters as a form (OpenID Connect Core 3.1.2.1), and the consent page's decision
_FORM = form_body(
    _AUTHORIZE_PARAMETERS,
    decision={"type": "string", "enum": ["allow", "deny"]},
    csrf_token={"type": "string", "maxLength": PARAMETER_MAX_LENGTH, "pattern": NO_NUL},
)
_BROWSER_ANSWERS: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {"description": "A page: the consent page", "content": {"text/html": {}}},
    status.HTTP_302_FOUND: {"description": "To the login page, or back to the app with a code or an error"},
    status.HTTP_400_BAD_REQUEST: {
        "description": "An unknown client or a redirect URI it did not register: a page, never a redirect",
        "content": {"text/html": {}},
    },
    **UNUSABLE_PARAMETERS,
}


@router.get(
    "/authorize",
    response_class=HTMLResponse,
    responses=_BROWSER_ANSWERS,
    openapi_extra={"parameters": _AUTHORIZE_PARAMETERS},
)
async def authorize(request: Request, principal: BrowserPrincipal, state: State, source: Source) -> Response:
    """Start signing in to an app (OpenID Connect authorization code flow)."""
    return await _authorize(request, await browser.request_parameters(request), principal, state, source)


@router.post(
    "/authorize",
    response_class=HTMLResponse,
    responses={
        **_BROWSER_ANSWERS,
        status.HTTP_403_FORBIDDEN: {"description": "A decision without the CSRF token"},
    },
    openapi_extra={"requestBody": _FORM},
)
async def authorize_form(
    request: Request, principal: BrowserPrincipal, state: State, source: Source
) -> Response:
    """The same as a form post, and the consent page's Allow or Deny."""
    return await _authorize(request, await browser.request_parameters(request), principal, state, source)


async def _authorize(
    request: Request,
    parameters: Mapping[str, Sequence[str]],
    principal: Principal | None,
    state: AppState,
    source: RequestSource,
) -> Response:
    settings = state.settings
    try:
        client = await clients.find(requests.client_id_of(parameters))
        destination = requests.destination(parameters, client)
    except UnverifiedRedirect as exc:
        return render(
            request, "authorize_error.html", status_code=status.HTTP_400_BAD_REQUEST, error=exc.message
        )
    assert client is not None
    try:
        checked = requests.check(parameters, client=client, redirect_uri=destination.redirect_uri)
        allowed = await _consent_answer(request, parameters, checked, principal, state, source)
        sign_in = None
        if principal is not None:
            sign_in = await authorization.sign_in_of(
                user_id=principal.user.id, session_id=str(principal.session_id)
            )
        decision = await authorization.decide(
            checked,
            sign_in=sign_in,
            user=principal.user if principal is not None else None,
            settings=settings,
            moment=state.clock(),
            allowed=allowed,
        )
    except AuthorizationRefused as exc:
        return _back(authorization.refused(destination, exc, settings=settings))
    if isinstance(decision, SignInFirst):
        return RedirectResponse(decision.login_url, status_code=status.HTTP_302_FOUND)
    assert principal is not None
    if isinstance(decision, AskConsent):
        return _consent_page(request, decision, principal)
    if allowed:
        _record("consent", checked, principal, source)
    _record("code_issued", checked, principal, source)
    return _back(decision.url)


async def _consent_answer(
    request: Request,
    parameters: Mapping[str, Sequence[str]],
    checked: AuthorizationRequest,
    principal: Principal | None,
    state: AppState,
    source: RequestSource,
) -> bool:
    """Whether this is the consent page's Allow, from the signed-in browser that was shown it (its CSRF
    token); AccessDenied for its Deny. Without a signed-in browser it is a request like any other."""
    if "decision" not in parameters or request.method != "POST" or principal is None:
        return False
    await browser.require_csrf(request, session_id=str(principal.session_id), csrf=state.csrf)
    if list(parameters["decision"]) != ["allow"]:
        _record("denied", checked, principal, source)
        raise AccessDenied
    return True


def _consent_page(request: Request, decision: AskConsent, principal: Principal) -> HTMLResponse:
    checked = decision.request
    return render(
        request,
        "consent.html",
        principal=principal,
        client_name=checked.client.name,
        scopes=[(scope, consents.in_words(scope)) for scope in sorted(decision.scopes)],
        fields=sorted(checked.parameters.items()),
        decide_at="/authorize",
        form_target=checked.redirect_uri,
    )


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND, headers={"Cache-Control": "no-store"})


def _record(outcome: str, checked: AuthorizationRequest, principal: Principal, source: RequestSource) -> None:
    audit.record(
        "authorization",
        outcome=outcome,
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=principal.user.id,
        client_id=checked.client.client_id,
    )
