"""A background task that does its work when woken and every few seconds anyway, for the queues whose rows
any worker may have added (the mail outbox, the back-channel logouts): `work` claims what is due."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

_STOP_GRACE_SECONDS = 5.0


class PollingTask:
    """Runs `work` when woken and every `poll_seconds`; an error is logged and the task lives on."""

    def __init__(
        self,
        work: Callable[[], Awaitable[object]],
        *,
        name: str,
        poll_seconds: float,
        logger: logging.Logger,
    ) -> None:
        self._work = work
        self._name = name
        self._poll_seconds = poll_seconds
        self._logger = logger
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        """Do the work now (after a change that queued some has committed)."""
        self._wake.set()

    def start(self) -> None:
        """Start the background task (in the app's lifespan)."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        """Stop the task: at once when idle; work still running after a few seconds is cancelled (what it had
        claimed is due again once the claim runs out)."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        # no cancel while it waits: Python 3.11 can lose a cancel that meets a timeout, and the task lives on
        done, _ = await asyncio.wait({self._task}, timeout=_STOP_GRACE_SECONDS)
        if not done:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._work()
            except Exception:  # the database or the network broke: log it and keep the worker alive
                self._logger.exception("%s failed; trying again shortly", self._name)
            if self._stopping:
                return
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=self._poll_seconds)
            finally:
                waiter.cancel()
