"""The OAuth2 token endpoint at TOKEN_URL and RFC 7009 revocation. The grants themselves are api/grants/:
the form is parsed here once, its client authenticated per its grant's rules, and the grant called."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api import grants
from api.core import scopes
from api.core.jwt import InvalidToken
from api.errors import DomainError, InvalidOneTimeCode, MfaRequired
from api.http import browser, grant_outcomes
from api.http.credentials import client_credentials
from api.http.deps import Source, State
from api.http.oauth_errors import NO_STORE, Refusal, oauth_error
from api.http.rendering import logged_in, login_refused, second_step
from api.observability import audit
from api.schemas.tokens import OAuthError, TokenRequest, TokenResponse
from api.services import clients, sessions
from api.services.sessions import RequestSource
from api.services.state import AppState


async def issue_token(
    form: Annotated[TokenRequest, Form()],
    request: Request,
    response: Response,
    source: Source,
    state: State,
) -> TokenResponse | Response:
    """Log in (OAuth2 password flow), redeem an authorization code, refresh, or get a client's own token.

    A browser's form post (the login page) gets the auth cookie and a redirect instead of JSON.
    """
    wanted = grants.GRANTS.get(form.grant_type or grants.DEFAULT)
    event: audit.Event = wanted.event if wanted is not None else "login"
    from_browser = browser.is_browser_form(request)
    try:
        if from_browser and not browser.same_origin(request):
            raise Refusal(
                "invalid_request", "Log in from this site's own login page", status.HTTP_403_FORBIDDEN
            )
        if wanted is None:
            raise Refusal("unsupported_grant_type", f"Grant type {form.grant_type!r} is not supported")
        issued = await grant(wanted, form, request, source, state)
    except DomainError as exc:
        refusal = grant_outcomes.refusal(exc, event=event, source=source)
        if from_browser and isinstance(exc, MfaRequired | InvalidOneTimeCode):
            mfa_token = exc.mfa_token if isinstance(exc, MfaRequired) else form.mfa_token or ""
            error = None if isinstance(exc, MfaRequired) else exc.message
            return second_step(request, mfa_token=mfa_token, target=form.next, error=error)
    except Refusal as refused:
        refusal = refused
    else:
        if issued.second_factor == "recovery_code":
            audit.record(
                "recovery_code_used",
                outcome="success",
                ip=source.ip,
                user_agent=source.user_agent,
                user_id=issued.user_id,
            )
        grant_outcomes.record(
            event,
            "success",
            source,
            user_id=issued.user_id,
            session_id=issued.session_id,
            **({"client_id": issued.client_id} if issued.client_id else {}),
            **({"method": "passkey"} if issued.second_factor == "passkey" else {}),
        )
        if from_browser and issued.user_id is not None and issued.app_session is None:
            return logged_in(issued, target=form.next, settings=state.settings)
        response.headers.update(NO_STORE)
        return TokenResponse(
            access_token=issued.access_token,
            expires_in=issued.expires_in,
            refresh_token=issued.refresh_token,
            scope=scopes.render(issued.scopes),
            id_token=issued.id_token,
        )
    if from_browser:
        return login_refused(request, refusal=refusal, username=form.username, target=form.next)
    return refusal.as_json()


async def grant(
    wanted: grants.Grant, form: TokenRequest, request: Request, source: RequestSource, state: AppState
) -> grants.IssuedTokens:
    """The grant the form asks for, by the client the request names (held to the grant's rules)."""
    presented = client_credentials(
        request.headers.get("authorization"), form_id=form.client_id, form_secret=form.client_secret
    )
    client = await grants.client_for(wanted, presented)
    fields = grants.TokenFields(**form.model_dump(exclude={"client_id", "client_secret", "next"}))
    return await wanted.handle(grants.GrantInput(fields=fields, client=client, source=source, state=state))


class RevocationRequest(BaseModel):
    """RFC 7009's form fields."""

    # documented as required; left optional here so that its absence is RFC 6749's 400, not a 422
    model_config = ConfigDict(json_schema_extra={"required": ["token"]})

    token: str | None = Field(default=None, json_schema_extra={"minLength": 1})
    token_type_hint: str | None = None


async def revoke_token(form: Annotated[RevocationRequest, Form()], source: Source, state: State) -> Response:
    """Revoke an access or refresh token (RFC 7009): its whole session ends. Unknown tokens are fine too."""
    if not form.token:
        return oauth_error("invalid_request", "The token field is required")
    # the hint only says where to look first; both kinds are tried
    session_id = await sessions.end_refresh_token(form.token, moment=state.clock())
    if session_id is None:
        try:
            claims = await state.keys.decode(form.token)
        except InvalidToken:
            audit.record("revocation", outcome="unknown_token", ip=source.ip, user_agent=source.user_agent)
            return Response(status_code=status.HTTP_200_OK, headers=NO_STORE)
        session_id = claims.session_id
        if claims.client_id is not None:
            await clients.revoke_grant(session_id)
        else:
            await sessions.end(session_id=session_id, moment=state.clock())
    audit.record(
        "revocation", outcome="success", ip=source.ip, user_agent=source.user_agent, session_id=session_id
    )
    return Response(status_code=status.HTTP_200_OK, headers=NO_STORE)


def token_router(token_path: str) -> APIRouter:
    """The token and revocation endpoints, served at the configured TOKEN_URL."""
    token = APIRouter(tags=["auth"])
    token.add_api_route(
        token_path,
        issue_token,
        methods=["POST"],
        response_model=TokenResponse,
        # a client's token comes without a refresh token: the field is left out, not null
        response_model_exclude_none=True,
        responses={
            status.HTTP_400_BAD_REQUEST: {"model": OAuthError},
            status.HTTP_401_UNAUTHORIZED: {
                "model": OAuthError,
                "description": "Client authentication failed",
            },
            status.HTTP_429_TOO_MANY_REQUESTS: {"description": "Too many failed logins; see Retry-After"},
        },
        summary="Issue a token",
        name="token",
    )
    token.add_api_route(
        f"{token_path}/revoke",
        revoke_token,
        methods=["POST"],
        response_class=Response,
        responses={
            status.HTTP_200_OK: {"description": "Revoked, or not a token of ours", "content": None},
            status.HTTP_400_BAD_REQUEST: {"model": OAuthError},
        },
        summary="Revoke a token",
        name="revoke",
    )
    return token
