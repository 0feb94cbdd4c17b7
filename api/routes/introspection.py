"""Token introspection (RFC 7662) at `{TOKEN_URL}/introspect`, for registered confidential clients."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.errors import DomainError
from api.http.credentials import client_credentials
from api.http.deps import Source, State
from api.http.oauth_errors import NO_STORE, Refusal
from api.observability import audit, metrics
from api.schemas.common import CLIENT_ID_MAX_LENGTH, Text
from api.schemas.tokens import OAuthError
from api.services import clients, introspection


class IntrospectionRequest(BaseModel):
    """RFC 7662's form fields, and client_secret_post's."""

    token: str | None = None
    token_type_hint: str | None = Field(default=None, description="ignored: every kind is tried")
    client_id: Text | None = Field(default=None, max_length=CLIENT_ID_MAX_LENGTH)
    client_secret: Text | None = None


async def introspect_token(
    form: Annotated[IntrospectionRequest, Form()], request: Request, source: Source, state: State
) -> Response:
    """Whether a token works now, and what it grants (RFC 7662); clients authenticate as at the token URL."""
    try:
        presented = client_credentials(
            request.headers.get("authorization"), form_id=form.client_id, form_secret=form.client_secret
        )
        await clients.authenticate(presented)
    except DomainError as exc:
        audit.record("client_authentication", outcome="failure", ip=source.ip, user_agent=source.user_agent)
        return Refusal.of(exc).as_json()
    except Refusal as refused:
        return refused.as_json()
    if not form.token:
        return Refusal("invalid_request", "The token field is required").as_json()
    answer = await introspection.introspect(form.token, state=state)
    metrics.count_introspection(active=bool(answer["active"]))
    return JSONResponse(answer, headers=NO_STORE)


def introspection_router(token_path: str) -> APIRouter:
    """The introspection endpoint, beside the configured TOKEN_URL."""
    router = APIRouter(tags=["auth"])
    responses: dict[int | str, dict[str, Any]] = {
        status.HTTP_200_OK: {"description": '`{"active": true, "scope", "sub", ...}` or `{"active": false}`'},
        status.HTTP_400_BAD_REQUEST: {"model": OAuthError},
        status.HTTP_401_UNAUTHORIZED: {"model": OAuthError, "description": "Client authentication failed"},
    }
    router.add_api_route(
        f"{token_path}/introspect",
        introspect_token,
        methods=["POST"],
        response_class=JSONResponse,
        responses=responses,
        summary="Introspect a token",
        name="introspect",
    )
    return router
