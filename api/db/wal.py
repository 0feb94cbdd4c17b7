"""SQLite's WAL checkpoints on a connection and thread of their own, off the requests' path.

SQLite checkpoints inside the commit that takes the WAL past `wal_autocheckpoint` pages, and a checkpoint
syncs the database file to disk: that commit, and every query queued behind Tortoise's one connection, waits
for the disk (a refresh storm spent a tenth of its time idle there). Here a second connection copies the
WAL into the database every `interval` seconds (PASSIVE: it never blocks a writer), so the connection's own
checkpoint, kept as a backstop at a higher limit, finds little left to do.
"""

import asyncio
import contextlib
import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

logger = logging.getLogger("api.wal")  # its name before the move, kept for log filters

# the requests' connection checkpoints only past this many pages (4 KiB each): the backstop
BACKSTOP_PAGES = 3_000


class Checkpointer:
    """Checkpoints one SQLite file's WAL every `interval` seconds while started."""

    def __init__(self, path: Path, *, interval: float = 0.1) -> None:
        self._path = path
        self._interval = interval
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wal-checkpoint")
        self._db: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="wal-checkpoint")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        self._thread.shutdown(wait=True)

    async def checkpoint(self) -> tuple[int, int, int]:
        """One passive checkpoint: SQLite's (busy, pages in the WAL, pages copied)."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._checkpoint)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.checkpoint()
            except Exception as exc:
                # the next round tries again; meanwhile the requests' connection keeps the WAL bounded
                logger.warning("WAL checkpoint failed: %s", exc)

    def _checkpoint(self) -> tuple[int, int, int]:
        if self._db is None:
            self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA synchronous=NORMAL")
        busy, log, copied = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(log), int(copied)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
