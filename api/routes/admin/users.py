"""The console's users: the list (search, filters, pages) and one user's profile with what can be done."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.oidc import consents
from api.passkeys import credentials
from api.routes.admin.console import PAGE_SIZE, AdminConsole, ConsoleRoute, redirect
from api.routes.users_admin import UserId
from api.schemas.common import Text
from api.services import admin, audit_events, roles, sessions
from api.services.audit_events import Filters
from api.social import identities

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=ConsoleRoute)

Flag = Annotated[bool, Query()]
# how many of a user's events their page shows (the audit page has the rest)
RECENT_EVENTS = 10
NOTICES = {
    "disabled": "Disabled: their sessions have ended.",
    "enabled": "Enabled.",
    "admin": "They are an administrator now.",
    "not-admin": "They are no administrator any more.",
    "verified": "The e-mail address is marked verified.",
    "reset-sent": "A password reset link is on its way to them.",
    "mfa-off": "Two-factor is off: the password alone logs them in.",
    "passkey-removed": "Passkey removed.",
    "session-ended": "Session ended.",
    "sessions-ended": "Every session ended.",
    "unlinked": "Identity unlinked.",
    "app-revoked": "The app's access was taken back.",
    "deleted": "User deleted.",
    "roles": "Roles saved.",
}


@router.get("", response_class=HTMLResponse)
async def home(_console: AdminConsole) -> Response:
    """The console opens on the users."""
    return redirect("/admin/users")


@router.get("/users", response_class=HTMLResponse)
async def list_users(
    console: AdminConsole,
    q: Annotated[Text, Query(max_length=100)] = "",
    disabled: Flag = False,
    admins: Flag = False,
    unverified: Flag = False,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    done: Annotated[Text, Query(max_length=40)] = "",
) -> Response:
    """Users, found by a part of their username or e-mail address, filtered, a page at a time."""
    wanted = admin.Search(text=q.strip(), disabled=disabled, admins=admins, unverified=unverified)
    found, total = await admin.search(wanted, limit=PAGE_SIZE, offset=offset)
    asked = {"q": wanted.text, "disabled": disabled, "admins": admins, "unverified": unverified}
    query = {name: value for name, value in asked.items() if value}

    def at(start: int) -> str:
        return "/admin/users?" + urlencode({**query, "offset": start})

    return console.show(
        "users.html",
        notice=NOTICES.get(done),
        users=found,
        total=total,
        wanted=wanted,
        offset=offset,
        previous=at(max(offset - PAGE_SIZE, 0)) if offset else None,
        next=at(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None,
    )


@router.get("/users/{user_id}", response_class=HTMLResponse)
async def show_user(
    user_id: UserId, console: AdminConsole, done: Annotated[Text, Query(max_length=40)] = ""
) -> Response:
    """One user's profile, sign-in methods, sessions, apps and recent events."""
    user = await admin.get(user_id)
    events, _ = await audit_events.page(
        Filters(user_id=user.id), limit=RECENT_EVENTS, cursor=None, pending=console.state.audit
    )
    return console.show(
        "user.html",
        notice=NOTICES.get(done),
        person=user,
        sessions=await sessions.active(user.id),
        passkeys=await credentials.of_user(user.id),
        identities=await identities.of_user(user.id),
        apps=await consents.of_user(user.id),
        events=events,
        names=await admin.names_of({user.id} | {row.actor_id for row in events if row.actor_id is not None}),
        held=await roles.of_user(user.id),
        roles=await roles.every(),
    )
