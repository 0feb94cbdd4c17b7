"""The device flow (RFC 8628): a device's authorization started, found by the code a person types (wrong
codes limited per address), decided on the consent page, and polled for until it is traded, once, for tokens.

Every bit of state (the decision, the polling interval and when the device last polled) is in the database,
so any worker answers any request the same way.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from api.core import scopes, user_codes
from api.core.opaque import new_opaque_token, opaque_digest
from api.db.models import DeviceAuthorization, OAuthClient, User
from api.db.transactions import writing
from api.errors import (
    AccessDenied,
    AuthorizationPending,
    DeviceScopeRefused,
    ExpiredToken,
    InvalidDeviceCode,
    SlowDown,
    UnknownUserCode,
)
from api.oidc import app_sessions
from api.oidc.codes import Redeemed, SignIn
from api.services import clients, throttle
from api.services.sessions import RequestSource

GRANT_TYPE = clients.DEVICE_CODE
LIFETIME = timedelta(seconds=600)
INTERVAL = 5
# RFC 8628 section 3.5: each slow_down adds 5 seconds to the interval, for good
SLOWER = 5
WRONG_CODES = 5
WRONG_CODES_WINDOW = timedelta(minutes=15)
PENDING, APPROVED, DENIED, USED = "pending", "approved", "denied", "used"


@dataclass(frozen=True, slots=True)
class Started:
    """A device authorization just started: what the device shows and polls with."""

    device_code: str
    user_code: str
    expires_in: int
    interval: int


async def start(client: OAuthClient, *, scope: str | None, moment: datetime) -> Started:
    """A new authorization for the client's device, for scopes it may ask for; only the device code's
    digest is kept."""
    wanted = frozenset((scope or "").split())
    if not wanted:
        raise DeviceScopeRefused
    if beyond := wanted - frozenset(client.scopes.split()):
        raise DeviceScopeRefused(f"Scope not allowed for this app: {scopes.render(beyond)}")
    device_code = new_opaque_token()
    for attempt in range(3):
        user_code = user_codes.new_user_code()
        try:
            await DeviceAuthorization.create(
                device_code_hash=device_code.digest,
                user_code=user_code,
                client=client,
                scope=scopes.render(wanted),
                created_at=moment,
                expires_at=moment + LIFETIME,
                interval=INTERVAL,
            )
            break
        except IntegrityError:  # another device's code: one in 2^34 for each waiting device
            if attempt == 2:
                raise
    return Started(
        device_code=device_code.value,
        user_code=user_codes.shown(user_code),
        expires_in=int(LIFETIME.total_seconds()),
        interval=INTERVAL,
    )


async def waiting(typed: str, *, address: str, moment: datetime) -> DeviceAuthorization:
    """The authorization waiting for a decision under the code a person typed; UnknownUserCode (counted
    against the address) for any other, RateLimited once the address has had its wrong codes."""
    if not typed.strip():
        raise UnknownUserCode("Type the code your device shows")
    await throttle.refuse_if_spent("device_code", address, limit=WRONG_CODES, moment=moment)
    code = user_codes.normalized(typed)
    found = None
    if code is not None:
        found = await DeviceAuthorization.get_or_none(
            user_code=code, status=PENDING, expires_at__gt=moment
        ).select_related("client")
    if found is None:
        await throttle.take(
            "device_code", address, limit=WRONG_CODES, window=WRONG_CODES_WINDOW, moment=moment
        )
        raise UnknownUserCode
    return found


async def decide(
    found: DeviceAuthorization, *, sign_in: SignIn | None, granted: frozenset[str] | None
) -> None:
    """Record the person's decision: approved for `granted` from that sign-in, or denied (None);
    UnknownUserCode if it was decided meanwhile (another tab)."""
    pending = DeviceAuthorization.filter(device_code_hash=found.device_code_hash, status=PENDING)
    if granted is None or sign_in is None:
        decided = await pending.update(status=DENIED)
    else:
        decided = await pending.update(
            status=APPROVED,
            user_id=sign_in.user_id,
            scope=scopes.render(granted),
            login_session_id=sign_in.session_id,
            auth_time=sign_in.auth_time,
        )
    if not decided:
        raise UnknownUserCode


async def redeem(
    device_code: str,
    *,
    client: OAuthClient,
    source: RequestSource,
    refresh_lifetime: timedelta,
    moment: datetime,
) -> Redeemed:
    """The tokens' session once the person has approved, the first time the device asks after that;
    AuthorizationPending or SlowDown before, AccessDenied, ExpiredToken, or InvalidDeviceCode."""
    async with writing():
        found = (
            await DeviceAuthorization.filter(device_code_hash=opaque_digest(device_code))
            .select_for_update()
            .get_or_none()
        )
        if found is None or found.client_id != client.client_id:  # type: ignore[attr-defined]
            raise InvalidDeviceCode
        if found.status == USED:
            raise InvalidDeviceCode("The device code was already used")
        if found.expires_at <= moment:
            raise ExpiredToken
        if found.status == DENIED:
            raise AccessDenied
        if found.status == APPROVED:
            return await _claim(found, client=client, source=source, lifetime=refresh_lifetime, moment=moment)
        too_soon = found.last_polled_at is not None and moment < found.last_polled_at + timedelta(
            seconds=found.interval
        )
        found.last_polled_at = moment
        found.interval += SLOWER if too_soon else 0
        await found.save(update_fields=["last_polled_at", "interval"])
    # raised once the poll is written: inside the transaction it would be rolled back
    raise SlowDown if too_soon else AuthorizationPending


async def _claim(
    found: DeviceAuthorization,
    *,
    client: OAuthClient,
    source: RequestSource,
    lifetime: timedelta,
    moment: datetime,
) -> Redeemed:
    assert found.login_session_id is not None and found.auth_time is not None
    approval = app_sessions.Approval(
        user=await User.get(id=found.user_id),  # type: ignore[attr-defined]
        granted=frozenset(found.scope.split()),
        auth_time=found.auth_time,
        login_session_id=found.login_session_id,
    )
    if not await app_sessions.approver_signed_in(approval):
        raise InvalidDeviceCode("The sign-in that approved this device has ended")
    # the row is locked on PostgreSQL; on SQLite the claim is what keeps a second poll out
    claimed = await DeviceAuthorization.filter(
        device_code_hash=found.device_code_hash, status=APPROVED
    ).update(status=USED)
    if not claimed:
        raise InvalidDeviceCode("The device code was already used")
    session, refresh_token = await app_sessions.open_for(
        approval, client=client, source=source, refresh_lifetime=lifetime, moment=moment
    )
    await DeviceAuthorization.filter(device_code_hash=found.device_code_hash).update(
        session_id=str(session.id)
    )
    return Redeemed(
        session=session,
        user=approval.user,
        refresh_token=refresh_token,
        scopes=approval.granted,
        nonce=None,
        auth_time=approval.auth_time,
        login_session_id=approval.login_session_id,
    )
