"""The periodic clean-up of what has expired, carried by logins so nothing needs scheduling: once every ten
minutes per worker, on the app's clock."""

from datetime import datetime, timedelta

from tortoise.timezone import now

from api.db.models import DeviceAuthorization
from api.passkeys import webauthn_challenges
from api.services import challenges, sessions, throttle

INTERVAL = timedelta(minutes=10)
# counters older than the longest window allowed (a day) neither count nor block
_THROTTLE_WINDOW = timedelta(days=1)


class Housekeeping:
    """One worker's clean-up and when it is next due."""

    def __init__(self) -> None:
        self._next: datetime | None = None

    async def run_if_due(self, moment: datetime) -> None:
        """Clean up unless this worker did less than INTERVAL ago (`moment`: the app's clock)."""
        if self._next is not None and moment < self._next:
            return
        self._next = moment + INTERVAL
        # sessions and login counters are stamped with the database's time; the challenges and device
        # authorizations with the app's clock, which is the same in production and moves forward in tests
        await sessions.clean_up(now())
        await throttle.clean_up(now(), window=_THROTTLE_WINDOW)
        await challenges.clean_up(moment)
        await webauthn_challenges.clean_up(moment)
        # a device authorization past its expiry answers nothing but expired_token or invalid_grant
        await DeviceAuthorization.filter(expires_at__lt=moment).delete()
