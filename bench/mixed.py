"""h. The answer cache under real traffic: many readers' tokens at random, while other users write.

Readers: `READERS` users, each request with one of their tokens picked at random. Writers: `WRITERS` other
users changing their `full_name` `WRITES_PER_S` times a second, each write read back at once by its writer; a
read back that shows the old value is a stale read. Measured with and without the writes, on the SQLite
service (one worker), on PostgreSQL with two workers, and with the cache off (ANSWER_CACHE_SECONDS=0).
"""

import json
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import wrk
from .procs import Server, settle
from .seed import PASSWORD

READERS = 400
WRITERS = 40
WRITES_PER_S = 20
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _call(
    url: str, method: str, *, token: str | None = None, body: bytes | None = None, form: bool = False
) -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": "application/x-www-form-urlencoded" if form else "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _account(base_url: str, username: str) -> str:
    """Register (if new) and log in: an access token."""
    _call(
        f"{base_url}/register", "POST", body=json.dumps({"username": username, "password": PASSWORD}).encode()
    )
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD}).encode()
    status, answer = _call(f"{base_url}/token", "POST", body=form, form=True)
    if status != 200:
        raise RuntimeError(f"POST /token for {username} answered {status}")
    return str(answer["access_token"])


def accounts(base_url: str, prefix: str, count: int) -> list[str]:
    """`count` users' access tokens (registered and logged in four at a time)."""
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda n: _account(base_url, f"{prefix}{n:04d}"), range(count)))


@dataclass
class Writes:
    """What the writers did: writes made, reads back that showed the old value, and failed requests."""

    made: int = 0
    stale: int = 0
    failed: int = 0


def _write_while(base_url: str, tokens: list[str], stop: threading.Event, out: Writes) -> None:
    """Every writer writes and reads back in a thread of its own, each every len(tokens)/WRITES_PER_S
    seconds, staggered: WRITES_PER_S in all, and no writer's read back races its own next write."""
    period = len(tokens) / WRITES_PER_S
    lock = threading.Lock()

    def writer(index: int, token: str) -> None:
        next_at = time.monotonic() + index / WRITES_PER_S
        count = 0
        while not stop.wait(max(0.0, next_at - time.monotonic())):
            value = f"written-{index}-{count}"
            body = json.dumps({"full_name": value}).encode()
            status, _ = _call(f"{base_url}/user/me", "PATCH", token=token, body=body)
            read_status, read = _call(f"{base_url}/user/me", "GET", token=token)
            with lock:
                out.made += 1
                if status != 200 or read_status != 200:
                    out.failed += 1
                elif read.get("full_name") != value:
                    out.stale += 1
            count += 1
            next_at += period

    threads = [
        threading.Thread(target=writer, args=(n, token), daemon=True) for n, token in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(
    server: Server, tokens_file: Path, writer_tokens: list[str] | None, *, workdir: Path, duration_s: int
) -> tuple[wrk.WrkResult, Writes]:
    """Readers at 32 connections for `duration_s`, with the writers running when `writer_tokens` is given."""
    argv = wrk.command(
        server.url + "/user/me", wrk.script("mixed", workdir), connections=32, duration_s=duration_s
    )
    writes = Writes()
    stop = threading.Event()
    writer = None
    if writer_tokens:
        writer = threading.Thread(
            target=_write_while, args=(server.url, writer_tokens, stop, writes), daemon=True
        )
        writer.start()
    try:
        result = wrk.run(argv, {"BENCH_TOKENS_FILE": str(tokens_file)}, duration_s)
    finally:
        stop.set()
        if writer is not None:
            writer.join(timeout=30)
    settle(server.pid)
    return result, writes


@dataclass
class Traffic:
    """A server's readers (their tokens in a file wrk reads) and writers."""

    server: Server
    tokens_file: Path
    writers: list[str]


def prepare(server: Server, workdir: Path, *, readers: int = READERS, writers: int = WRITERS) -> Traffic:
    """Register the readers and writers on the server, and log them in."""
    reader_tokens = accounts(server.url, "reader", readers)
    writer_tokens = accounts(server.url, "writer", writers)
    tokens_file = workdir / f"readers-{server.name}.txt"
    tokens_file.write_text("\n".join(reader_tokens) + "\n")
    settle(server.pid)
    return Traffic(server, tokens_file, writer_tokens)
