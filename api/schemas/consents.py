"""Pydantic models for the apps a user allowed (OpenID Connect consents)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ConsentOut(BaseModel):
    """An app the user allowed, and what it may see."""

    model_config = ConfigDict(from_attributes=True)

    client_id: str
    client_name: str
    scopes: list[str]
    granted_at: datetime
