"""The back-channel logouts waiting to be posted: queued in the transaction that ends a session, claimed by
one worker, retried with backoff, as the mail outbox is.

A claim moves a row's `due_at` past the time one post may take, with a conditional UPDATE, so of several
workers exactly one wins it (PostgreSQL also skips rows another worker has locked); a worker that dies
mid-post leaves the logout due again once the claim runs out.
"""

from collections.abc import Collection
from datetime import datetime, timedelta

from tortoise.expressions import F, Q

from api.db.models import BackchannelLogout, SessionClient
from api.db.transactions import writing

# longer than posting a claimed batch may take (ten posts of at most 5 s each)
CLAIM = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(hours=1)
# finished rows are kept this long, so a session ended twice (an app's, then its browser's) tells once
KEPT = timedelta(days=2)


async def enqueue_for(session_ids: Collection[str], *, moment: datetime) -> int:
    """Queue a logout for each app with a back-channel URI that received tokens in these sessions, or in an
    app session signed in by them (the `sid`); call it in the transaction that ends them. How many."""
    if not session_ids:
        return 0
    told = await SessionClient.filter(
        Q(session_id__in=list(session_ids)) | Q(sid__in=list(session_ids)),
        client__backchannel_logout_uri__not_isnull=True,
    ).values_list("client_id", "sid", "session__user_id")
    wanted = {(str(client_id), str(sid)): str(user_id) for client_id, sid, user_id in told}
    await BackchannelLogout.bulk_create(
        [
            BackchannelLogout(client_id=client_id, sid=sid, subject=subject, created_at=moment, due_at=moment)
            for (client_id, sid), subject in wanted.items()
        ],
        ignore_conflicts=True,
    )
    return len(wanted)


async def claim_due(*, moment: datetime, limit: int = 10) -> list[BackchannelLogout]:
    """The due logouts this worker now holds (at most `limit`), oldest first."""
    # most polls find nothing: only a poll with work takes the write lock (SQLite's, in `writing()`)
    if not await BackchannelLogout.filter(delivered_at=None, failed_at=None, due_at__lte=moment).exists():
        return []
    claimed = []
    async with writing():
        candidates = (
            await BackchannelLogout.filter(delivered_at=None, failed_at=None, due_at__lte=moment)
            .order_by("due_at", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
        )
        for logout in candidates:
            won = await BackchannelLogout.filter(
                id=logout.id, due_at=logout.due_at, delivered_at=None, failed_at=None
            ).update(due_at=moment + CLAIM, attempts=F("attempts") + 1)
            if won:
                logout.attempts += 1
                claimed.append(logout)
    return claimed


async def mark_delivered(logout: BackchannelLogout, *, moment: datetime) -> None:
    """The app answered 2xx."""
    await BackchannelLogout.filter(id=logout.id).update(delivered_at=moment, last_error=None)


async def mark_dropped(logout: BackchannelLogout, *, error: str, moment: datetime) -> None:
    """Never to be tried again: the app refused it (4xx), is gone, or was retried for too long."""
    await BackchannelLogout.filter(id=logout.id).update(failed_at=moment, last_error=error[:500])


async def retry_later(
    logout: BackchannelLogout, *, error: str, moment: datetime, give_up_after: timedelta
) -> bool:
    """Schedule the next try (10 s, doubling, at most an hour apart); False when it is given up instead."""
    if moment - logout.created_at >= give_up_after:
        await mark_dropped(logout, error=error, moment=moment)
        return False
    delay = min(FIRST_RETRY * 2 ** (logout.attempts - 1), MAX_RETRY)
    await BackchannelLogout.filter(id=logout.id).update(due_at=moment + delay, last_error=error[:500])
    return True


async def pending_count() -> int:
    """How many logouts wait to be posted."""
    return await BackchannelLogout.filter(delivered_at=None, failed_at=None).count()


async def clean_up(moment: datetime) -> None:
    """Forget the logouts delivered or dropped more than KEPT ago."""
    await BackchannelLogout.filter(delivered_at__lt=moment - KEPT).delete()
    await BackchannelLogout.filter(failed_at__lt=moment - KEPT).delete()
