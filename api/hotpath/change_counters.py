"""The change counters every worker of a machine shares: one for everyone, one per slot of users; pure.

A small file under DATA_DIR (or beside the SQLite file) that every worker maps. The first 8 bytes count the
changes that concern everyone (what 0.2.0 kept there alone, so a 0.2.0 node's NOTIFY still voids all);
then `SLOTS` counters, user `n` in slot `n % SLOTS`. A change bumps its users' slots: the answers of everyone
else stay valid. Reading costs a memory access; writers take turns under a lock.
"""

import fcntl
import mmap
import os
from collections.abc import Iterable
from pathlib import Path

COUNTER_FILE = "changes.counter"
SLOTS = 4096
_WIDTH = 8
_SIZE = _WIDTH * (1 + SLOTS)

Generation = tuple[int, int]


class ChangeCounters:
    """The everyone-counter and the per-slot counters in a file that several processes map."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < _SIZE:
            os.ftruncate(self._fd, _SIZE)  # zeros; two processes doing this at once agree
        self._map = mmap.mmap(self._fd, _SIZE)
        self._counts = memoryview(self._map).cast("Q")

    def generation(self, user_id: int) -> Generation:
        """The counters an answer about this user depends on: everyone's and its slot's."""
        return self._counts[0], self._counts[1 + user_id % SLOTS]

    def bump(self, user_ids: Iterable[int] | None = None) -> None:
        """Add one to these users' slots (None: to everyone's counter), for every process mapping the file."""
        offsets = {0} if user_ids is None else {1 + user_id % SLOTS for user_id in user_ids}
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            for offset in offsets:
                self._counts[offset] = (self._counts[offset] + 1) % 2**64
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Unmap the file."""
        self._counts.release()
        self._map.close()
        os.close(self._fd)
