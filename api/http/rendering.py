"""The browser's side of the edge: pages rendered with the security headers, a login's cookie and redirect."""

from collections.abc import Sequence
from importlib.resources import files
from typing import Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.config import Settings
from api.core import user_agents
from api.grants.issuing import IssuedTokens
from api.http.browser import (
    SECURITY_HEADERS,
    allowing_form_action,
    app_redirect,
    clear_auth_cookie,
    login_csrf_token,
    safe_next,
    set_auth_cookie,
    set_login_csrf_cookie,
)
from api.http.oauth_errors import Refusal
from api.services.principals import Principal
from api.services.state import AppState
from api.social import providers

templates = Jinja2Templates(directory=str(files("api") / "templates"))
# `{{ session.user_agent | browser }}`: "Chrome 156 on Linux" rather than the header itself
templates.env.filters["browser"] = user_agents.readable
PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None = None,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
    form_target: str | Sequence[str] = "",
    **context: Any,
) -> HTMLResponse:
    """A page with the shared layout's context and the security headers; its forms may end at `form_target`
    (an app's redirect URI) as well as on this site."""
    state: AppState = request.app.state.auth
    csrf = state.csrf.for_session(str(principal.session_id)) if principal else None
    return templates.TemplateResponse(
        request,
        template,
        {"user": principal.user if principal else None, "csrf_token": csrf, **context},
        status_code=status_code,
        headers={
            **PAGE_HEADERS,
            **allowing_form_action(*([form_target] if isinstance(form_target, str) else form_target)),
            **(headers or {}),
        },
    )


def logged_in(issued: IssuedTokens, *, target: str | None, settings: Settings) -> RedirectResponse:
    """After a browser login: the auth cookie, and a 303 to `target` when it is a path on this site."""
    response = RedirectResponse(safe_next(target), status_code=status.HTTP_303_SEE_OTHER)
    set_auth_cookie(response, issued.access_token, settings=settings)
    return response


async def login_page(
    request: Request,
    *,
    principal: Principal | None = None,
    target: str = "/",
    username: str = "",
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> HTMLResponse:
    """The login page: the password form, the passkey button, and a button per other identity provider (with
    this browser's login CSRF cookie, which only those buttons need)."""
    state: AppState = request.app.state.auth
    known = await providers.every()
    cookie, csrf_token = login_csrf_token(request, state.csrf)
    page = render(
        request,
        "login.html",
        principal=principal,
        status_code=status_code,
        token_path=state.settings.token_path,
        username=username,
        next=target,
        error=error,
        form_target=[app_redirect(target), *(provider.issuer for provider in known)],
        providers=known,
        login_csrf=csrf_token,
    )
    if known:
        set_login_csrf_cookie(page, cookie, settings=state.settings)
    return page


def login_refused(
    request: Request, *, refusal: Refusal, username: str | None, target: str | None
) -> HTMLResponse:
    """The login page again, with the error and the username kept."""
    state: AppState = request.app.state.auth
    return render(
        request,
        "login.html",
        status_code=refusal.status_code,
        headers=refusal.headers,
        token_path=state.settings.token_path,
        username=username or "",
        next=safe_next(target),
        error=refusal.description,
        form_target=app_redirect(safe_next(target)),
    )


def second_step(request: Request, *, mfa_token: str, target: str | None, error: str | None) -> HTMLResponse:
    """The login's second step: the one-time code (or a recovery code) for the mfa_token just handed out."""
    state: AppState = request.app.state.auth
    return render(
        request,
        "login_code.html",
        status_code=status.HTTP_400_BAD_REQUEST if error else status.HTTP_200_OK,
        token_path=state.settings.token_path,
        mfa_token=mfa_token,
        next=safe_next(target),
        error=error,
        form_target=app_redirect(safe_next(target)),
    )


def logged_out(*, browser: bool, settings: Settings) -> Response:
    """After a logout: 303 home for the page's button, 204 for an API client; the cookie cleared."""
    response: Response = (
        RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
        if browser
        else Response(status_code=status.HTTP_204_NO_CONTENT)
    )
    clear_auth_cookie(response, settings=settings)
    return response
