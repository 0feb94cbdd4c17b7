"""The `GET /user/me` answers a worker has given, kept until anything they depend on may have changed; pure.

Every commit that can make an answer stale (a session revoked, a user changed, disabled, demoted or deleted)
bumps a counter in a small memory-mapped file under DATA_DIR, which every worker of the machine maps. Each
lookup compares the counter with the one the cache was filled under and forgets everything when it moved: the
next request after such a change, in any worker, goes to the database again. An answer is also forgotten when
its token expires, and after `max_age_seconds`, so that a session's `last_used_at` keeps its resolution.
"""

import fcntl
import mmap
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.core.bounded_cache import BoundedCache

COUNTER_FILE = "changes.counter"
_WIDTH = 8


class SharedCounter:
    """A 64-bit counter in a file that several processes map: reading costs a memory access."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < _WIDTH:
            os.ftruncate(self._fd, _WIDTH)  # zeros; two processes doing this at once agree
        self._map = mmap.mmap(self._fd, _WIDTH)

    def read(self) -> int:
        """The counter now."""
        return int.from_bytes(self._map[:_WIDTH], "little")

    def bump(self) -> None:
        """Add one, for every process mapping the file (writers take turns; readers never wait)."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            self._map[:_WIDTH] = ((self.read() + 1) % 2**64).to_bytes(_WIDTH, "little")
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Unmap the file."""
        self._map.close()
        os.close(self._fd)


@dataclass(frozen=True, slots=True)
class Answer:
    """A `GET /user/me` answer, the scopes its token held, and until when it may be given again."""

    body: bytes
    scopes: frozenset[str]
    token_expires_at: float
    fresh_until: float


class AnswerCache:
    """Answers by access token, valid while the shared counter stays where it was when they were stored."""

    def __init__(
        self,
        counter: SharedCounter,
        *,
        max_age_seconds: float = 60.0,
        max_entries: int = 10_000,
        enabled: Callable[[], bool] = lambda: True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._counter = counter
        self._max_age = max_age_seconds
        # False while answers cannot be trusted (PostgreSQL's change notifications are down)
        self._enabled = enabled
        self._monotonic = monotonic
        self._answers: BoundedCache[str, Answer] = BoundedCache(max_entries)
        self._generation = counter.read()

    def generation(self) -> int:
        """The counter now: read it before asking the database, and store the answer under it."""
        return self._counter.read()

    def get(self, token: str) -> Answer | None:
        """The stored answer for this token, if nothing it depends on may have changed since."""
        generation = self._counter.read()
        if generation != self._generation:
            self._answers.clear()
            self._generation = generation
        answer = self._answers.get(token)
        if answer is None:
            return None
        if (
            self._monotonic() > answer.fresh_until
            or time.time() >= answer.token_expires_at
            or not self._enabled()
        ):
            self._answers.discard(token)
            return None
        return answer

    def put(
        self, token: str, *, body: bytes, scopes: frozenset[str], token_expires_at: float, generation: int
    ) -> None:
        """Store an answer read from the database under the counter read before the query."""
        if generation != self._generation or self._max_age <= 0 or not self._enabled():
            return  # something changed meanwhile: the answer may be stale already
        self._answers.put(token, Answer(body, scopes, token_expires_at, self._monotonic() + self._max_age))

    def bump(self) -> None:
        """Tell every worker of this machine that cached answers may be stale."""
        self._counter.bump()

    @property
    def counter(self) -> SharedCounter:
        """The counter of changes this cache is voided by."""
        return self._counter
