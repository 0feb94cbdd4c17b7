"""The stored audit events (scope `admin`) and each user's own security activity."""

from typing import Annotated, get_args

from fastapi import APIRouter, Query, status

from api.core.user_agents import readable
from api.http.deps import AdminUser, CurrentUser, State
from api.observability.audit import Event
from api.routes.responses import AUTHENTICATED, Responses
from api.schemas.audit import Activity, ActivityItem, AuditEventOut, AuditEventPage, Moment
from api.schemas.common import Text
from api.services import audit_events
from api.services.audit_events import Filters

router = APIRouter(tags=["audit"], responses=AUTHENTICATED)

BAD_FILTER: Responses = {
    status.HTTP_422_UNPROCESSABLE_CONTENT: {"description": "A filter, limit or cursor that is not one"}
}
EventName = Annotated[str, Query(pattern="^(" + "|".join(get_args(Event)) + ")$")]


@router.get("/audit-events", response_model=AuditEventPage, responses=BAD_FILTER)
async def list_audit_events(
    _admin: AdminUser,
    state: State,
    user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    event: EventName | None = None,
    outcome: Annotated[Text | None, Query(min_length=1, max_length=40)] = None,
    since: Moment | None = None,
    until: Moment | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[Text | None, Query(min_length=1, max_length=200)] = None,
) -> AuditEventPage:
    """The stored audit events, newest first, a page at a time (`since` inclusive, `until` exclusive)."""
    filters = Filters(user_id=user_id, event=event, outcome=outcome, since=since, until=until)
    rows, next_cursor = await audit_events.page(filters, limit=limit, cursor=cursor, pending=state.audit)
    return AuditEventPage(items=[AuditEventOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/user/me/activity", response_model=Activity)
async def read_my_activity(
    user: CurrentUser, state: State, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> Activity:
    """Your recent sign-ins, failures and security changes, newest first."""
    found = await audit_events.activity(user.id, limit=limit, pending=state.audit)
    return Activity(
        items=[
            ActivityItem(
                at=item.event.at,
                event=item.event.event,
                outcome=item.event.outcome,
                ip=item.event.ip,
                user_agent=readable(item.event.user_agent),
                client_name=item.client_name,
            )
            for item in found
        ]
    )
