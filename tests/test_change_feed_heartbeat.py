"""The change feed notices a LISTEN connection that went half-open (no reset, no answer) by its heartbeat,
turns the cache off meanwhile, and listens again once the path is back: through a TCP relay of the test's own
that stops forwarding without closing anything, to the machine's real PostgreSQL."""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.hotpath.change_counters import ChangeCounters
from api.hotpath.change_feed import ChangeFeed

POSTGRES = ("127.0.0.1", 5432)


class Relay:
    """Forwards TCP to PostgreSQL until frozen: then bytes are held back, and every socket stays open."""

    def __init__(self) -> None:
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.port = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                await self.flowing.wait()
                writer.write(data)
                await writer.drain()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._writers.append(client_writer)
        server_reader, server_writer = await asyncio.open_connection(*POSTGRES)
        self._writers.append(server_writer)
        for pipe in (self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer)):
            task = asyncio.create_task(pipe)
            self._tasks.add(task)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["Relay"]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for writer in self._writers:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
            await server.wait_closed()


async def _until(condition: Callable[[], bool], seconds: float) -> float:
    """How long the condition took to hold; fails after `seconds`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not condition():
        assert loop.time() - started < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.05)
    return loop.time() - started


async def test_a_half_open_listen_connection_is_noticed_within_seconds_and_replaced(tmp_path: Path) -> None:
    try:
        probe = await asyncpg.connect(
            host=POSTGRES[0], port=POSTGRES[1], user="postgres", database="postgres"
        )
        await probe.close()
    except OSError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    async with Relay().running() as relay:
        arguments: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": relay.port,
            "user": "postgres",
            "database": "postgres",
        }
        counters = ChangeCounters(tmp_path / "changes.counter")
        feed = ChangeFeed(counters, heartbeat_seconds=0.5, connect_arguments=lambda: arguments)
        feed.start()
        try:
            await _until(lambda: feed.listening, 10)
            relay.flowing.clear()  # the path goes dark: no FIN, no RST, no answer
            noticed = await _until(lambda: not feed.listening, 5)
            assert noticed < 2.5  # about two heartbeats
            relay.flowing.set()
            await _until(lambda: feed.listening, 10)
        finally:
            await feed.stop()
            counters.close()
