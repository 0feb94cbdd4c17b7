"""Stores the audit log's events as rows: in batches, so no request waits for one more write, and one at a
time for `audit.stored` (an administrator's change, in that change's transaction).

`record()` hands each event to `accept`, which only appends it to this worker's buffer; the background task
writes what gathered in one statement, `FLUSH_SECONDS` after the first event of a batch (or at once when
`BATCH` are waiting). A stop writes what is left. A crash loses at most the last `FLUSH_SECONDS` of rows;
their log lines were written already. The same task deletes the events older than the retention, at most
once every `EXPIRY_INTERVAL` (on the app's clock), so no login carries that delete.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from api.db import audit_sql
from api.db.models import USER_AGENT_MAX_LENGTH, AuditEvent
from api.observability.audit import Entry

logger = logging.getLogger("api.audit")
FLUSH_SECONDS = 0.5
BATCH = 500
EXPIRY_INTERVAL = timedelta(minutes=10)
# rows kept for a retry while the database is away; past that the oldest go (their log lines stay)
_MAX_PENDING = 50_000
_STOP_GRACE_SECONDS = 5.0


class AuditWriter:
    """One worker's buffer of events, and the task that stores them."""

    def __init__(
        self, *, clock: Callable[[], datetime], retention: timedelta, flush_seconds: float = FLUSH_SECONDS
    ) -> None:
        self._clock = clock
        self._retention = retention
        self._next_expiry: datetime | None = None
        self._flush_seconds = flush_seconds
        self._pending: list[tuple[datetime, Entry]] = []
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def accept(self, entry: Entry) -> None:
        """Take one event (stamped with the app's clock) to store with the next batch."""
        # only the append happens on the request: the rows are built by the task
        self._pending.append((self._clock(), entry))
        if len(self._pending) == 1 or len(self._pending) >= BATCH:
            self._wake.set()

    async def store(self, entry: Entry) -> None:
        """Store one event now (stamped with the app's clock), in the caller's transaction if any."""
        await audit_sql.insert([_row(self._clock(), entry)])

    def start(self) -> None:
        """Start the background task (in the app's lifespan)."""
        self._task = asyncio.create_task(self._run(), name="audit-writer")

    async def stop(self) -> None:
        """Stop the task and store what is left (what cannot be is logged, and the stop goes on)."""
        self._stopped.set()
        self._wake.set()
        if self._task is not None:
            # a database that stopped answering (a lost SQLite thread) must not hold the app's stop
            done, _ = await asyncio.wait({self._task}, timeout=_STOP_GRACE_SECONDS)
            if not done:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        try:
            await asyncio.wait_for(self.flush(), _STOP_GRACE_SECONDS)
        except Exception:  # the stop goes on: these events are in the log, not in the table
            logger.exception("%d audit events could not be stored at the stop", len(self._pending))
            self._pending = []

    async def flush(self) -> int:
        """Store every event taken so far; how many."""
        batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            await audit_sql.insert([_row(at, entry) for at, entry in batch])
        except BaseException:  # a cancelled insert too: the rows wait for the next try
            self._pending = (batch + self._pending)[-_MAX_PENDING:]
            raise
        return len(batch)

    async def expire_if_due(self) -> int:
        """Delete the events older than the retention, unless done less than EXPIRY_INTERVAL ago; how many."""
        moment = self._clock()
        if self._next_expiry is not None and moment < self._next_expiry:
            return 0
        self._next_expiry = moment + EXPIRY_INTERVAL
        return await AuditEvent.filter(at__lt=moment - self._retention).delete()

    async def _run(self) -> None:
        while not self._stopped.is_set():
            await self._wake.wait()
            if len(self._pending) < BATCH:
                # gather a batch; a stop cuts the wait short (no cancel: the stop waits for this task)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), self._flush_seconds)
            self._wake.clear()
            try:
                await self.flush()
                await self.expire_if_due()
            except Exception:  # the database is away: keep the rows, and the worker, and try again
                logger.exception("storing audit events failed; trying again shortly")
                self._wake.set()


def _row(at: datetime, entry: Entry) -> audit_sql.Row:
    return (
        at,
        entry.event,
        entry.outcome,
        entry.user_id,
        entry.actor_id,
        entry.client_id,
        entry.ip,
        entry.user_agent[:USER_AGENT_MAX_LENGTH] if entry.user_agent else None,
        # what a caller passed as details (a UUID, a list of roles) as JSON would show it
        json.dumps(entry.details, default=str, separators=(",", ":")),
    )
