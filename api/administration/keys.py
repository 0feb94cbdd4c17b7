"""The signing keys as an administrator sees them, and their rotation."""

from dataclasses import dataclass
from datetime import datetime

from api.db.models import SigningKey
from api.services.admin import Actor
from api.services.keyring import KeyRing


@dataclass(frozen=True, slots=True)
class KeyState:
    """One signing key: never its private part."""

    kid: str
    algorithm: str
    state: str
    created_at: datetime
    retired_at: datetime | None
    expires_at: datetime | None


async def every(*, moment: datetime) -> list[KeyState]:
    """Every stored signing key, newest first, with its state (current, retired, expired)."""
    rows = await SigningKey.all().order_by("-created_at")
    return [
        KeyState(
            kid=row.kid,
            algorithm=row.algorithm,
            state=_state(row, moment=moment),
            created_at=row.created_at,
            retired_at=row.retired_at,
            expires_at=row.expires_at,
        )
        for row in rows
    ]


def _state(row: SigningKey, *, moment: datetime) -> str:
    if row.retired_at is None:
        return "current"
    return "expired" if row.expires_at is not None and row.expires_at <= moment else "retired"


async def rotate(ring: KeyRing, *, actor: Actor) -> list[str]:
    """A new current key for each algorithm in use; their ids."""

    async def recorded(kid: str) -> None:
        await actor.record("key_rotation", kid=kid)

    return await ring.rotate(recorded=recorded)
