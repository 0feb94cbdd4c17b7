"""Changes announced between machines sharing one PostgreSQL: NOTIFY after a change, LISTEN in every worker.

A worker's cached answers are trusted only while its listening connection is up: when it drops, the cache is
off (every request asks the database) until the worker listens again.
"""

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

import asyncpg
from tortoise import connections

from api.hotpath.answer_cache import AnswerCache, SharedCounter

logger = logging.getLogger("api.changes")
CHANNEL = "auth_changes"
_RETRY_SECONDS = 1.0


async def announce_change(counter: SharedCounter) -> None:
    """Tell every worker of this machine (the shared counter) and of the others (NOTIFY) that cached answers
    may be stale; after the change's commit."""
    counter.bump()
    # PostgreSQL only: one machine holds a SQLite file, and its workers share the counter
    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        await client.execute_query("SELECT pg_notify($1, '')", [CHANNEL])


class ChangeFeed:
    """A worker's LISTEN connection: each notification bumps the machine's counter."""

    def __init__(self, connect: dict[str, Any], cache: AnswerCache) -> None:
        self._connect = connect
        self._cache = cache
        self.listening = False
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        """Listen in the background (in the app's lifespan)."""
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="change-feed")

    async def stop(self) -> None:
        """Stop listening."""
        if self._task is None:
            return
        self._stopping.set()  # a flag, not a cancel: Python 3.11 can lose a cancel that meets a timeout
        await self._task
        self._task = None

    def _notified(self, *_args: object) -> None:
        self._cache.bump()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                connection = await asyncpg.connect(**self._connect)
            except (OSError, asyncpg.PostgresError) as exc:
                logger.warning("cannot listen for changes (%s); answers are not cached meanwhile", exc)
            else:
                await self._listen(connection)
            if not self._stopping.is_set():
                await _first(self._stopping.wait(), asyncio.sleep(_RETRY_SECONDS))

    async def _listen(self, connection: asyncpg.Connection) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        try:
            await connection.add_listener(CHANNEL, self._notified)
            # whatever happened while nobody listened is unknown: forget it all
            self._cache.bump()
            self.listening = True
            await _first(lost.wait(), self._stopping.wait())
        finally:
            self.listening = False
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
