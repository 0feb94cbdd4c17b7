"""The console's audit page: the stored events, filtered, newest first, a page at a time (by cursor)."""

from datetime import datetime
from typing import Annotated, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Query, status
from fastapi.responses import HTMLResponse, Response

from api.core.moments import storable
from api.observability.audit import Event
from api.routes.admin.console import PAGE_SIZE, AdminConsole, ConsoleRoute
from api.schemas.common import Text
from api.services import admin, audit_events
from api.services.audit_events import Filters

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=ConsoleRoute)

Field = Annotated[Text, Query(max_length=40)]
EVENTS = sorted(get_args(Event))


@router.get("/audit", response_class=HTMLResponse)
async def list_events(
    console: AdminConsole,
    user_id: Field = "",
    event: Field = "",
    outcome: Field = "",
    since: Field = "",
    until: Field = "",
    cursor: Annotated[Text, Query(max_length=200)] = "",
) -> Response:
    """The stored audit events with their actors, filtered, a page at a time, and the same as JSON."""
    asked = {"user_id": user_id, "event": event, "outcome": outcome, "since": since, "until": until}
    asked = {name: value.strip() for name, value in asked.items() if value.strip()}
    try:
        filters = Filters(
            user_id=int(asked["user_id"]) if "user_id" in asked else None,
            event=asked.get("event") if asked.get("event") in EVENTS else None,
            outcome=asked.get("outcome"),
            since=storable(datetime.fromisoformat(asked["since"])) if "since" in asked else None,
            until=storable(datetime.fromisoformat(asked["until"])) if "until" in asked else None,
        )
    except ValueError:
        return console.show(
            "audit.html",
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            error="A user id is a number, and a time reads like 2026-12-07T21:00.",
            asked=asked,
            event_names=EVENTS,
            events=[],
            names={},
            next=None,
            first=None,
            json_link="/audit-events",
        )
    rows, next_cursor = await audit_events.page(
        filters, limit=PAGE_SIZE, cursor=cursor or None, pending=console.state.audit
    )
    as_json = {**asked, "limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
    named = {row.user_id for row in rows} | {row.actor_id for row in rows}
    return console.show(
        "audit.html",
        names=await admin.names_of({number for number in named if number is not None}),
        asked=asked,
        event_names=EVENTS,
        events=rows,
        next=f"/admin/audit?{urlencode({**asked, 'cursor': next_cursor})}" if next_cursor else None,
        first=f"/admin/audit?{urlencode(asked)}" if cursor else None,
        json_link=f"/audit-events?{urlencode(as_json)}",
    )
