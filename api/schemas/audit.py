"""Pydantic models for the stored audit events and a user's own security activity."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from api.core.moments import storable


def _iso_8601(value: object) -> object:
    # pydantic would also take a number of seconds since 1970: the documented format is ISO 8601 alone
    return datetime.fromisoformat(value) if isinstance(value, str) else value


# a filter's time: `since` and `until` of GET /audit-events
Moment = Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(storable)]


class AuditEventOut(BaseModel):
    """One stored audit event; `actor_id` is the administrator who acted, `user_agent` the header as sent."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    event: str
    outcome: str
    user_id: int | None
    actor_id: int | None
    client_id: str | None
    ip: str | None
    user_agent: str | None
    details: dict[str, object]


class AuditEventPage(BaseModel):
    """A page of events, newest first; `next_cursor` asks for the next page, null on the last."""

    items: list[AuditEventOut]
    next_cursor: str | None = Field(examples=[None])


class ActivityItem(BaseModel):
    """One of the user's own security events; `user_agent` names the browser as people read it."""

    at: datetime
    event: str = Field(examples=["login"])
    outcome: str = Field(examples=["success"])
    ip: str | None
    user_agent: str | None = Field(examples=["Chrome 156 on Linux"])
    client_name: str | None = Field(description="the app it concerns, if any")


class Activity(BaseModel):
    """The user's recent security activity, newest first."""

    items: list[ActivityItem]
