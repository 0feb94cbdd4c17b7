"""Signing in with another identity provider: the login page's buttons start it, the callback finishes it."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from tortoise.timezone import now

from api.db.models import IdentityProvider
from api.errors import AddressInUse, DomainError, EmailNotVerified, SocialSignInFailed
from api.grants import issuing
from api.http import browser
from api.http.deps import BrowserPrincipal, Source, State
from api.http.rendering import logged_in, login_page, render, second_step
from api.observability import audit
from api.schemas.common import PARAMETER_MAX_LENGTH, Text
from api.services import challenges
from api.services.state import AppState
from api.social import accounts, discovery, flow, providers
from api.social.outbound import ProviderUnavailable

FLOW_COOKIE = "sign_in_flow"
ProviderName = Annotated[Text, Path(max_length=40)]

pages = APIRouter(include_in_schema=False)


def _redirect_uri(state: AppState, name: str) -> str:
    return f"{state.settings.public_url}/login/{name}/callback"


@pages.post("/login/{name}")
async def start_sign_in(
    name: ProviderName,
    request: Request,
    principal: BrowserPrincipal,
    state: State,
    csrf_token: Annotated[Text | None, Form(max_length=200)] = None,
    next: Annotated[Text, Form(max_length=PARAMETER_MAX_LENGTH)] = "/",
    link: Annotated[bool, Form()] = False,
) -> Response:
    """Go to the provider to sign in (or, from the account page, to link it); a form post, never a GET."""
    if link and principal is not None:
        await browser.require_csrf(request, session_id=str(principal.session_id), csrf=state.csrf)
    else:
        browser.require_login_csrf(request, csrf_token, csrf=state.csrf)
    try:
        provider = await providers.get(name)
        metadata = await discovery.metadata_of(
            provider.issuer, allow_http=state.settings.allow_http_providers
        )
    except ProviderUnavailable:
        return await login_page(
            request,
            status_code=status.HTTP_400_BAD_REQUEST,
            error="That provider cannot be reached right now: try again later",
        )
    url, cookie = flow.start(
        provider,
        metadata,
        redirect_uri=_redirect_uri(state, name),
        next_path=browser.safe_next(next),
        link_user_id=principal.user.id if link and principal is not None else None,
        sealer=state.flow_sealer,
        moment=state.clock(),
    )
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    response.set_cookie(
        FLOW_COOKIE,
        cookie,
        max_age=int(flow.LIFETIME.total_seconds()),
        path="/login/",
        httponly=True,
        samesite="lax",
        secure=state.settings.cookie_secure,
    )
    return response


@pages.get("/login/{name}/callback", response_class=HTMLResponse)
async def finish_sign_in(
    name: ProviderName, request: Request, principal: BrowserPrincipal, state: State, source: Source
) -> Response:
    """Where the provider sends the browser back: the state checked, the code traded, the account found."""
    params = request.query_params
    provider: IdentityProvider | None = None
    try:
        provider = await providers.get(name)
        started = flow.resume(
            provider,
            request.cookies.get(FLOW_COOKIE),
            state=params.get("state"),
            sealer=state.flow_sealer,
            moment=state.clock(),
        )
        if "error" in params:
            said = params.get("error_description") or params.get("error") or "an error"
            raise SocialSignInFailed(f"{provider.display_name} did not sign you in: {said[:200]}")
        if "iss" in params and params["iss"] != provider.issuer:
            raise SocialSignInFailed(f"The answer did not come from {provider.display_name}")
        code = params.get("code")
        if not code:
            raise SocialSignInFailed(f"{provider.display_name} sent no code")
        if started.link_user_id is not None and (
            principal is None or principal.user.id != started.link_user_id
        ):
            # the browser's account changed since the link began: link nothing to whoever is signed in now
            raise SocialSignInFailed("Sign in with the account that asked for this link, then link again")
        claims = await flow.finish(
            provider,
            started,
            code=code,
            redirect_uri=_redirect_uri(state, name),
            client_secret=providers.client_secret(provider, sealer=state.provider_sealer),
            allow_http=state.settings.allow_http_providers,
        )
        outcome = await accounts.resolve(
            provider,
            claims,
            link_user_id=started.link_user_id,
            registration_open=state.settings.registration_open,
            require_verified_email=state.settings.require_verified_email,
            moment=now(),
        )
        if (
            started.link_user_id is None
            and state.settings.require_verified_email
            and not outcome.user.email_verified
        ):
            raise EmailNotVerified
    except AddressInUse:
        audit.record(
            "social_login",
            outcome="address_in_use",
            ip=source.ip,
            user_agent=source.user_agent,
            provider=name,
        )
        response: Response = render(
            request,
            "social_conflict.html",
            status_code=status.HTTP_409_CONFLICT,
            provider=provider.display_name if provider is not None else name,
        )
        return _forget_flow(response, state)
    except DomainError as exc:
        audit.record(
            "social_login", outcome="failure", ip=source.ip, user_agent=source.user_agent, provider=name
        )
        return _forget_flow(await login_page(request, error=exc.message, status_code=exc.status_code), state)
    user = outcome.user
    audit.record(
        "social_login",
        outcome=outcome.what,
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user.id,
        provider=name,
    )
    if outcome.what == "linked":
        audit.record(
            "identity_linked",
            outcome="success",
            ip=source.ip,
            user_agent=source.user_agent,
            user_id=user.id,
            provider=name,
        )
    if started.link_user_id is not None:
        return _forget_flow(
            RedirectResponse("/account?done=linked#sign-in-methods", status_code=status.HTTP_303_SEE_OTHER),
            state,
        )
    if user.disabled:
        return _forget_flow(
            await login_page(
                request, error="This account is disabled", status_code=status.HTTP_400_BAD_REQUEST
            ),
            state,
        )
    if user.mfa_enabled:
        # another provider's sign-in is the first factor: the code is still asked for
        token = await challenges.open_challenge(user, scope=None, moment=state.clock())
        return _forget_flow(second_step(request, mfa_token=token, target=started.next, error=None), state)
    issued = await issuing.open_session(user, source=source, state=state)
    return _forget_flow(logged_in(issued, target=started.next, settings=state.settings), state)


def _forget_flow(response: Response, state: AppState) -> Response:
    response.delete_cookie(
        FLOW_COOKIE, path="/login/", httponly=True, samesite="lax", secure=state.settings.cookie_secure
    )
    return response
