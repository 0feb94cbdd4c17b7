"""Pydantic models for the device authorization endpoint (RFC 8628 section 3.1 and 3.2)."""

from pydantic import BaseModel, Field

from api.schemas.common import CLIENT_ID_MAX_LENGTH, Text


class DeviceAuthorizationRequest(BaseModel):
    """Its form: the client (named, or proven when confidential) and the scopes the device asks for."""

    client_id: Text | None = Field(
        default=None,
        max_length=CLIENT_ID_MAX_LENGTH,
        description="client_secret_post, or a public client's id",
    )
    client_secret: Text | None = Field(default=None, description="client_secret_post")
    scope: Text | None = Field(
        default=None, max_length=1000, description="e.g. `openid profile offline_access`"
    )


class DeviceAuthorizationResponse(BaseModel):
    """What the device shows the person, and polls the token endpoint with."""

    device_code: str = Field(description="the device's secret: polled with, never shown")
    user_code: str = Field(description="`XXXX-XXXX`: the person types it at verification_uri")
    verification_uri: str = Field(description="`{PUBLIC_URL}/device`")
    verification_uri_complete: str = Field(description="the same with the code filled in (for a QR code)")
    expires_in: int = Field(description="seconds until both codes expire")
    interval: int = Field(description="seconds to wait between polls")
