"""The audit log: one structured (JSON) line per security event, never a password, hash or token."""

import json
import logging
from typing import Literal

logger = logging.getLogger("api.audit")

# every event the log may hold: a typo is a type error, and a reader of the log has the whole list here
Event = Literal[
    "login",
    "refresh",
    "logout",
    "revocation",
    "password_change",
    "account_deletion",
    "admin_update",
    "admin_delete",
    "email_verification",
    "password_reset_request",
    "password_reset",
    "client_token",
    "client_authentication",
    "client_admin",
    "introspection",
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
]


def record(
    event: Event, *, outcome: str, ip: str | None, user_id: int | None = None, **details: object
) -> None:
    """Log one event, e.g. `record("login", outcome="failure", ip="203.0.113.9", user_id=7)`."""
    entry = {"event": event, "outcome": outcome, "user_id": user_id, "ip": ip, **details}
    logger.info(json.dumps(entry, default=str, sort_keys=True))
