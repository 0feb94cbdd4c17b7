"""The device authorization endpoint (RFC 8628 section 3.1): a CLI or a TV asks for a user code to show,
and then polls the token endpoint with its device code."""

from dataclasses import replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response, status

from api import grants
from api.errors import DomainError, InvalidClient
from api.grants import device_code
from api.http import grant_outcomes
from api.http.credentials import client_credentials
from api.http.deps import Source, State
from api.http.oauth_errors import NO_STORE
from api.observability import audit
from api.oidc import devices
from api.schemas.devices import DeviceAuthorizationRequest, DeviceAuthorizationResponse
from api.schemas.tokens import OAuthError

router = APIRouter(tags=["openid connect"])


@router.post(
    "/device_authorization",
    response_model=DeviceAuthorizationResponse,
    responses={
        status.HTTP_400_BAD_REQUEST: {
            "model": OAuthError,
            "description": "`invalid_client`, `unauthorized_client` (not registered for the device grant), "
            "`invalid_scope`",
        },
        status.HTTP_401_UNAUTHORIZED: {
            "model": OAuthError,
            "description": "`invalid_client` when the client authenticated with HTTP Basic",
        },
    },
)
async def device_authorization(
    form: Annotated[DeviceAuthorizationRequest, Form()],
    request: Request,
    response: Response,
    state: State,
    source: Source,
) -> DeviceAuthorizationResponse | Response:
    """Start a device's sign-in (RFC 8628): a user code to show, and a device code to poll with."""
    try:
        presented = client_credentials(
            request.headers.get("authorization"), form_id=form.client_id, form_secret=form.client_secret
        )
        client = await grants.client_for(device_code.GRANT, presented)
        if client is None:  # the grant's client rule has named it already
            raise InvalidClient
        started = await devices.start(client, scope=form.scope, moment=state.clock())
    except DomainError as exc:
        refusal = grant_outcomes.refusal(exc, event="device_authorization", source=source)
        if isinstance(exc, InvalidClient) and not request.headers.get("authorization"):
            # the contract answers this endpoint's refusals 400; RFC 6749 5.2 keeps 401 for HTTP Basic
            refusal = replace(refusal, status_code=status.HTTP_400_BAD_REQUEST, extra_headers=None)
        return refusal.as_json()
    audit.record("device_authorization", outcome="started", ip=source.ip, client_id=client.client_id)
    response.headers.update(NO_STORE)
    verification_uri = f"{state.settings.public_url}/device"
    return DeviceAuthorizationResponse(
        device_code=started.device_code,
        user_code=started.user_code,
        verification_uri=verification_uri,
        verification_uri_complete=f"{verification_uri}?{urlencode({'user_code': started.user_code})}",
        expires_in=started.expires_in,
        interval=started.interval,
    )
