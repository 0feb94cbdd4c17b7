"""The stored audit events: an administrator's filtered pages, newest first, and a user's own activity."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from api.core.moments import storable
from api.db.models import AuditEvent, OAuthClient
from api.errors import InvalidCursor
from api.services.audit_writer import AuditWriter

# what a user's own activity shows: sign-ins and their failures, changes of password, address, second
# factor and passkeys, sessions ended; and the apps allowed (an authorization with consent)
ACTIVITY_EVENTS = (
    "login",
    "social_login",
    "mfa_failure",
    "password_change",
    "password_reset",
    "email_change",
    "email_verification",
    "mfa_enabled",
    "mfa_disabled",
    "recovery_code_used",
    "passkey_added",
    "passkey_removed",
    "identity_linked",
    "identity_unlinked",
    "consent_revoked",
    "logout",
    "revocation",
    "end_session",
)
_APP_ALLOWED = Q(event="authorization", outcome="consent")


@dataclass(frozen=True, slots=True)
class Filters:
    """What an administrator asks the events for; None: any."""

    user_id: int | None = None
    event: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Activity:
    """One event of a user's own activity, with the name of the app it concerns."""

    event: AuditEvent
    client_name: str | None


def encode_cursor(event: AuditEvent) -> str:
    """The opaque cursor after `event`: its time and id."""
    return base64.urlsafe_b64encode(f"{event.at.isoformat()}|{event.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The time and id a cursor names; InvalidCursor when it is not one of ours."""
    try:
        at, _, event_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        moment, number = storable(datetime.fromisoformat(at)), int(event_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor from exc
    if not 0 < number < 2**63:
        raise InvalidCursor
    return moment, number


async def page(
    filters: Filters, *, limit: int, cursor: str | None, pending: AuditWriter
) -> tuple[list[AuditEvent], str | None]:
    """One page of events, newest first (by time, then id), and the cursor of the next (None: the last);
    this worker's `pending` events are stored first, so what its requests just did is on the page."""
    await pending.flush()
    query = AuditEvent.all()
    if filters.user_id is not None:
        query = query.filter(user_id=filters.user_id)
    if filters.event is not None:
        query = query.filter(event=filters.event)
    if filters.outcome is not None:
        query = query.filter(outcome=filters.outcome)
    if filters.since is not None:
        query = query.filter(at__gte=filters.since)
    if filters.until is not None:
        query = query.filter(at__lt=filters.until)
    if cursor is not None:
        at, event_id = decode_cursor(cursor)
        query = query.filter(Q(at__lt=at) | Q(at=at, id__lt=event_id))
    # one more than asked tells whether a next page exists
    rows = await query.order_by("-at", "-id").limit(limit + 1)
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor(rows[limit - 1])


async def activity(user_id: int, *, limit: int, pending: AuditWriter) -> list[Activity]:
    """The user's own recent security events, newest first (this worker's `pending` ones stored first)."""
    await pending.flush()
    rows = (
        await AuditEvent.filter(Q(event__in=ACTIVITY_EVENTS) | _APP_ALLOWED, user_id=user_id)
        .order_by("-at", "-id")
        .limit(limit)
    )
    client_ids = {row.client_id for row in rows if row.client_id is not None}
    names: dict[str, str] = {}
    if client_ids:
        names = dict(await OAuthClient.filter(client_id__in=client_ids).values_list("client_id", "name"))
    return [
        Activity(event=row, client_name=names.get(row.client_id) if row.client_id else None) for row in rows
    ]
