"""The audit log: one structured (JSON) line per security event, never a password, hash or token.

Each event is also handed to the sink attached (the app's `AuditWriter`): `record` only hands it over, to be
stored with the next batch, so a login never waits for the row; `stored` inserts it at once, in the caller's
transaction, so an administrator's change and its row are committed together or not at all.
"""

import json
import logging
from dataclasses import dataclass, field
from typing import Literal, Protocol

logger = logging.getLogger("api.audit")

# every event the log may hold: a typo is a type error, and a reader of the log has the whole list here
Event = Literal[
    "login",
    "refresh",
    "logout",
    "revocation",
    "password_change",
    "email_change",
    "account_deletion",
    "admin_update",
    "admin_delete",
    "email_verification",
    "password_reset_request",
    "password_reset",
    "client_token",
    "client_authentication",
    "client_admin",
    "key_rotation",
    "mfa_enabled",
    "mfa_disabled",
    "mfa_failure",
    "recovery_code_used",
    "authorization",
    "code_exchange",
    "code_reuse",
    "device_authorization",
    "device_code_exchange",
    "end_session",
    "consent_revoked",
    "passkey_added",
    "passkey_removed",
    "passkey_clone_suspected",
    "social_login",
    "identity_linked",
    "identity_unlinked",
    "role_created",
    "role_deleted",
    "role_granted",
    "role_revoked",
    "group_changed",
    "backchannel_logout",
    "invitation_sent",
    "invitation_accepted",
    "invitation_revoked",
]


@dataclass(frozen=True, slots=True)
class Entry:
    """One event as it is stored: `actor_id` is the administrator who acted (on someone else, mostly)."""

    event: Event
    outcome: str
    ip: str | None
    user_id: int | None = None
    actor_id: int | None = None
    client_id: str | None = None
    user_agent: str | None = None
    details: dict[str, object] = field(default_factory=dict)


class Sink(Protocol):
    """Where events go beside the log: buffered (`accept`) or stored at once (`store`)."""

    def accept(self, entry: Entry) -> None:
        """Take an event to store later."""

    async def store(self, entry: Entry) -> None:
        """Store an event now, with the caller's transaction."""


_sinks: list[Sink] = []


def attach(sink: Sink) -> None:
    """Hand every event recorded from now on to `sink` too (the latest attached takes it)."""
    _sinks.append(sink)


def detach(sink: Sink) -> None:
    """Stop handing events to `sink`."""
    _sinks.remove(sink)


def record(
    event: Event,
    *,
    outcome: str,
    ip: str | None,
    user_id: int | None = None,
    by: int | None = None,
    client_id: str | None = None,
    user_agent: str | None = None,
    **details: object,
) -> None:
    """Log one event and hand it to the store, e.g. `record("login", outcome="failure", ip=..., user_id=7)`;
    `by` is the administrator who acted (stored as `actor_id`)."""
    entry = Entry(
        event=event,
        outcome=outcome,
        ip=ip,
        user_id=user_id,
        actor_id=by,
        client_id=client_id,
        user_agent=user_agent,
        details=details,
    )
    _log(entry)
    if _sinks:
        _sinks[-1].accept(entry)


async def stored(entry: Entry) -> None:
    """Store one event's row now, in the caller's transaction, then log it."""
    if _sinks:
        await _sinks[-1].store(entry)
    _log(entry)


def _log(entry: Entry) -> None:
    line: dict[str, object] = {
        "event": entry.event,
        "outcome": entry.outcome,
        "user_id": entry.user_id,
        "ip": entry.ip,
        **entry.details,
    }
    # the line keeps the shape it had: `by` and `client_id` only when there is one
    if entry.actor_id is not None:
        line["by"] = entry.actor_id
    if entry.client_id is not None:
        line["client_id"] = entry.client_id
    logger.info(json.dumps(line, default=str, sort_keys=True))
