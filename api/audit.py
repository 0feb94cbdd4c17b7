"""The audit log: one structured (JSON) line per security event, never a password, hash or token."""

import json
import logging

logger = logging.getLogger("api.audit")


def record(
    event: str, *, outcome: str, ip: str | None, user_id: int | None = None, **details: object
) -> None:
    """Log one event, e.g. `record("login", outcome="failure", ip="203.0.113.9", user_id=7)`."""
    entry = {"event": event, "outcome": outcome, "user_id": user_id, "ip": ip, **details}
    logger.info(json.dumps(entry, default=str, sort_keys=True))
