"""Two-factor authentication: setting TOTP up, turning it off, recovery codes, and checking a login's code."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from tortoise.expressions import Q

from api.core import totp
from api.db.models import RecoveryCode, TotpSecret, User
from api.db.transactions import writing
from api.errors import InvalidCode, InvalidOneTimeCode, MfaAlreadyOn, MfaOff
from api.services import sessions, users
from api.services.state import AppState


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A new TOTP secret, not yet in force: as text, as an `otpauth://` URI, and as a QR code."""

    secret: str
    otpauth_uri: str
    qr_svg: str


def _context(user_id: int) -> str:
    # the sealed secret opens for this user's row only
    return f"totp:{user_id}"


async def begin(user: User, *, password: str, state: AppState) -> Enrolment:
    """A new secret for the user, pending until `confirm`; MfaAlreadyOn while two-factor is on."""
    await users.check_password(user, password, state.hasher)
    if user.mfa_enabled:
        raise MfaAlreadyOn
    secret = totp.new_secret()
    async with writing():
        await TotpSecret.filter(user_id=user.id).delete()
        await TotpSecret.create(
            user=user,
            sealed_secret=state.totp_sealer.seal(secret.encode(), context=_context(user.id)),
            created_at=state.clock(),
        )
    return _enrolment(user, secret, state)


async def pending(user: User, *, state: AppState) -> Enrolment | None:
    """The secret being set up and not yet confirmed, shown again after a wrong first code."""
    row = await TotpSecret.get_or_none(user_id=user.id, confirmed_at=None)
    if row is None:
        return None
    return _enrolment(
        user, state.totp_sealer.open(row.sealed_secret, context=_context(user.id)).decode(), state
    )


def _enrolment(user: User, secret: str, state: AppState) -> Enrolment:
    issuer = urlsplit(state.settings.public_url).hostname or "auth"
    uri = totp.provisioning_uri(secret, account=user.username, issuer=issuer)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=totp.qr_svg(uri))


async def confirm(user: User, *, code: str, session_id: str, state: AppState) -> list[str]:
    """Turn two-factor on with a first code from the new secret; the recovery codes. Other sessions end."""
    if user.mfa_enabled:
        raise MfaAlreadyOn
    pending = await TotpSecret.get_or_none(user_id=user.id)
    if pending is None:
        raise MfaOff
    moment = state.clock()
    secret = state.totp_sealer.open(pending.sealed_secret, context=_context(user.id)).decode()
    step = totp.matching_step(secret, code, moment=moment.timestamp(), after=None)
    if step is None:
        raise InvalidCode
    async with writing():
        await TotpSecret.filter(user_id=user.id).update(confirmed_at=moment, last_step=step)
        await users.update_fields(user, changes={"mfa_enabled": True})
        codes = await _new_recovery_codes(user, moment=moment)
        await sessions.end(user_id=user.id, keep=session_id, moment=moment)
    return codes


async def disable(user: User, *, password: str, state: AppState) -> None:
    """Turn two-factor off, with the password: the secret and the recovery codes are gone."""
    await users.check_password(user, password, state.hasher)
    await turn_off(user)


async def turn_off(user: User) -> None:
    """Turn two-factor off without asking (an administrator's reset for a lost device)."""
    async with writing():
        await TotpSecret.filter(user_id=user.id).delete()
        await RecoveryCode.filter(user_id=user.id).delete()
        await users.update_fields(user, changes={"mfa_enabled": False})


async def regenerate_codes(user: User, *, password: str, state: AppState) -> list[str]:
    """Ten new recovery codes; the earlier ones stop working."""
    await users.check_password(user, password, state.hasher)
    if not user.mfa_enabled:
        raise MfaOff
    async with writing():
        return await _new_recovery_codes(user, moment=state.clock())


async def _new_recovery_codes(user: User, *, moment: datetime) -> list[str]:
    await RecoveryCode.filter(user_id=user.id).delete()
    codes = totp.new_recovery_codes()
    await RecoveryCode.bulk_create(
        [
            RecoveryCode(code_hash=totp.recovery_code_digest(code), user=user, created_at=moment)
            for code in codes
        ]
    )
    return codes


async def check_code(user: User, code: str, *, state: AppState) -> Literal["totp", "recovery_code"]:
    """Accept a login's second factor, once: a TOTP code (one step of drift) or an unused recovery code."""
    moment = state.clock()
    if totp.looks_like_recovery_code(code):
        used = await RecoveryCode.filter(
            code_hash=totp.recovery_code_digest(code), user_id=user.id, used_at=None
        ).update(used_at=moment)
        if not used:
            raise InvalidOneTimeCode(user.id)
        return "recovery_code"
    stored = await TotpSecret.get_or_none(user_id=user.id, confirmed_at__not_isnull=True)
    if stored is None:
        raise InvalidOneTimeCode(user.id)
    secret = state.totp_sealer.open(stored.sealed_secret, context=_context(user.id)).decode()
    step = totp.matching_step(secret, code, moment=moment.timestamp(), after=stored.last_step)
    if step is None:
        raise InvalidOneTimeCode(user.id)
    # of two workers accepting the same code at once, the conditional update lets one win
    newer = Q(last_step=None) | Q(last_step__lt=step)
    if not await TotpSecret.filter(newer, user_id=user.id).update(last_step=step):
        raise InvalidOneTimeCode(user.id)
    return "totp"
