"""Changes announced between machines sharing one PostgreSQL: NOTIFY after a change, LISTEN in every worker.

A worker's cached answers are trusted only while its listening connection is up: when it drops, the cache is
off (every request asks the database) until the worker listens again.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg
from tortoise import connections

from api.db.changes import Changes
from api.db.internals import postgres_connect_arguments
from api.hotpath.change_counters import ChangeCounters

logger = logging.getLogger("api.changes")
CHANNEL = "auth_changes"
_RETRY_SECONDS = 1.0
_MAX_PAYLOAD = 7_900
# how soon a connection that stopped answering is noticed (and the cache turned off)
_HEARTBEAT_SECONDS = 2.0


class Announcer:
    """Tells every worker, here (the shared counters) and on other machines (NOTIFY), whose answers to forget.

    It runs after the change has committed, so it never fails: when NOTIFY does, the error is logged and this
    machine forgets every answer (the other machines' feeds notice a lost connection on their own).
    """

    def __init__(self, counters: ChangeCounters) -> None:
        self._counters = counters

    async def __call__(self, changes: Changes) -> None:
        users = None if changes.everyone else changes.users
        self._counters.bump(users)
        try:
            client = connections.get("default")
            if client.capabilities.dialect == "postgres":
                await client.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, _payload(users)])
        except Exception:
            logger.exception("could not tell other machines of a change; this machine's answers are voided")
            self._counters.bump(None)


def _payload(users: set[int] | None) -> str:
    # NOTIFY takes under 8000 bytes; a change of that many users concerns everyone's answers anyway
    text = "*" if users is None else ",".join(map(str, sorted(users)))
    return text if len(text) <= _MAX_PAYLOAD else "*"


def _users(payload: str) -> list[int] | None:
    """The users a notification names; None for everyone (also what 0.2.0's empty payload means)."""
    if payload in ("", "*"):
        return None
    try:
        return [int(part) for part in payload.split(",")]
    except ValueError:
        return None


class ChangeFeed:
    """A worker's LISTEN connection: each notification bumps the machine's counter."""

    def __init__(
        self,
        counters: ChangeCounters,
        *,
        heartbeat_seconds: float = _HEARTBEAT_SECONDS,
        connect_arguments: Callable[[], dict[str, Any]] = postgres_connect_arguments,
    ) -> None:
        self._counters = counters
        self._heartbeat = heartbeat_seconds
        # what `asyncpg.connect` takes: by default, what the app's own pool connects with
        self._connect_arguments = connect_arguments
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

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        self._counters.bump(_users(payload))

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                connection = await asyncpg.connect(**self._connect_arguments(), timeout=self._heartbeat)
            except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
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
            self._counters.bump(None)
            self.listening = True
            await _first(lost.wait(), self._stopping.wait(), self._beat(connection))
        finally:
            self.listening = False
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)

    async def _beat(self, connection: asyncpg.Connection) -> None:
        """Return when the connection stops answering: a half-open one never says it was lost."""
        while True:
            await asyncio.sleep(self._heartbeat)
            try:
                await connection.fetchval("SELECT 1", timeout=self._heartbeat)
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                logger.warning("the change feed's connection stopped answering (%r); listening again", exc)
                return


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
