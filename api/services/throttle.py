"""Login throttling, kept in the database so every worker agrees.

Two counters per failed login: one for the client address and username together (a few failures, then a
growing delay), and a wider one for the address alone (stops one address spraying many usernames). Failures
from one address never block the same username from another address. A success clears the pair's counter.
"""

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.timezone import now

from api.core import usernames
from api.db.models import LoginThrottle
from api.db.transactions import writing
from api.errors import RateLimited, Throttled

# the first block after too many failures for one address and username; each further failure doubles it
_FIRST_DELAY_SECONDS = 60


@dataclass(frozen=True, slots=True)
class FailureLimits:
    """How many failures are allowed, within which window, and the longest delay."""

    max_failures: int
    max_failures_per_address: int
    window: timedelta
    max_delay: timedelta


def _key(*parts: str) -> str:
    # hashed: a username field sometimes holds a mistyped password, which must not be stored
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def pair_key(*, ip: str, username: str) -> str:
    """The counter for one client address trying one username (compared as at login)."""
    return _key("pair", ip, usernames.lookup_key(username[: usernames.MAX_LENGTH + 1]))


def address_key(ip: str) -> str:
    """The counter for one client address, whatever the username."""
    return _key("address", ip)


async def check(*, ip: str, username: str) -> bool:
    """Raise Throttled, with the seconds to wait, while either counter blocks this attempt.

    Returns whether the pair has a counter at all, so that a success only clears one that exists.
    """
    pair = pair_key(ip=ip, username=username)
    counters = await LoginThrottle.filter(key__in=[pair, address_key(ip)])
    return admit([(c.key, c.blocked_until) for c in counters], pair=pair, moment=now())


def admit(counters: Iterable[tuple[str, datetime | None]], *, pair: str, moment: datetime) -> bool:
    """`check`'s verdict on the counters read: each a key and the time it blocks until, if it blocks."""
    counters = list(counters)
    waits = [until for _key, until in counters if until is not None and until > moment]
    if waits:
        raise Throttled(max(1, math.ceil((max(waits) - moment).total_seconds())))
    return any(key == pair for key, _until in counters)


async def record_failure(*, ip: str, username: str, limits: FailureLimits) -> None:
    """Count a failed login for the pair and for the address, blocking either past its limit."""
    await _count(pair_key(ip=ip, username=username), limits.max_failures, limits, growing=True)
    await _count(address_key(ip), limits.max_failures_per_address, limits, growing=False)


async def record_success(*, ip: str, username: str) -> None:
    """A successful login clears the pair's counter (never the address's)."""
    await LoginThrottle.filter(key=pair_key(ip=ip, username=username)).delete()


async def _count(key: str, limit: int, limits: FailureLimits, *, growing: bool) -> None:
    moment = now()
    await LoginThrottle.bulk_create(
        [LoginThrottle(key=key, failures=0, last_failure_at=moment)], ignore_conflicts=True
    )
    async with writing():
        row = await LoginThrottle.filter(key=key).select_for_update().get()
        row.failures = 1 if row.last_failure_at < moment - limits.window else row.failures + 1
        row.last_failure_at = moment
        if row.failures >= limit:
            row.blocked_until = moment + (
                _growing_delay(row.failures - limit, limits) if growing else limits.window
            )
        await row.save(update_fields=["failures", "last_failure_at", "blocked_until"])


async def take(kind: str, subject: str, *, limit: int, window: timedelta, moment: datetime) -> None:
    """Count one request of `kind` by `subject` (an address, a user); RateLimited past `limit` per `window`.

    The same table as the login counters, under other keys: `failures` counts the requests of the current
    window, and `blocked_until` is when that window ends.
    """
    key = _key(kind, subject)
    await LoginThrottle.bulk_create(
        [LoginThrottle(key=key, failures=0, last_failure_at=moment)], ignore_conflicts=True
    )
    async with writing():
        row = await LoginThrottle.filter(key=key).select_for_update().get()
        if row.blocked_until is None or row.blocked_until <= moment:
            row.failures, row.blocked_until = 0, moment + window
        if row.failures >= limit:
            raise RateLimited(max(1, math.ceil((row.blocked_until - moment).total_seconds())))
        row.failures += 1
        row.last_failure_at = moment
        await row.save(update_fields=["failures", "last_failure_at", "blocked_until"])


async def refuse_if_spent(kind: str, subject: str, *, limit: int, moment: datetime) -> None:
    """RateLimited while `subject` has used up the `limit` of the current window that `take` counts for
    `kind`; counts nothing itself (for limits on failures, counted by `take` only when one happens)."""
    row = await LoginThrottle.get_or_none(key=_key(kind, subject))
    if row is None or row.blocked_until is None or row.blocked_until <= moment or row.failures < limit:
        return
    raise RateLimited(max(1, math.ceil((row.blocked_until - moment).total_seconds())))


def _growing_delay(extra_failures: int, limits: FailureLimits) -> timedelta:
    seconds = _FIRST_DELAY_SECONDS * 2 ** min(extra_failures, 20)
    return min(limits.max_delay, timedelta(seconds=seconds))


async def clean_up(moment: datetime, *, window: timedelta) -> None:
    """Forget counters that neither count nor block any more."""
    await LoginThrottle.filter(last_failure_at__lt=moment - window).exclude(blocked_until__gt=moment).delete()
