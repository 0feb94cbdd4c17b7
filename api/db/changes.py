"""Which users' cached answers a write may have made stale: noted by the data layer as each write runs, and
announced once the work that wrote has committed; pure.

`api.db.tracked` notes every write to a model that an answer depends on (`touched`). Whatever runs such writes
opens a tracking context first: `ChangeTracking` around every request, `tracking()` around a command or a
background task. When the context closes (the route has returned, so its transaction has committed), its
`announce` tells every worker, here and on other machines, whose answers to forget. A write outside any
context raises `UntrackedChange`: a forgotten context fails loudly instead of serving stale answers.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


class UntrackedChange(RuntimeError):
    """A write that cached answers depend on ran outside any tracking context."""


@dataclass
class Changes:
    """The users whose answers the current work may have made stale (or everyone's)."""

    users: set[int] = field(default_factory=set)
    everyone: bool = False

    def __bool__(self) -> bool:
        return self.everyone or bool(self.users)

    def taken(self) -> "Changes":
        """What was noted so far, leaving this empty for what comes next."""
        noted = Changes(users=self.users, everyone=self.everyone)
        self.users, self.everyone = set(), False
        return noted


Announce = Callable[[Changes], Awaitable[None]]
_current: ContextVar[Changes | None] = ContextVar("auth_changes", default=None)


def touched(user_ids: Iterable[int]) -> None:
    """Note that a write changed what these users' answers show (called by the data layer)."""
    changes = _current.get()
    if changes is None:
        raise UntrackedChange("a write that cached answers depend on ran outside changes.tracking()")
    changes.users.update(user_ids)


def touched_everyone() -> None:
    """Note a change that concerns every cached answer."""
    changes = _current.get()
    if changes is None:
        raise UntrackedChange("a write that cached answers depend on ran outside changes.tracking()")
    changes.everyone = True


@contextmanager
def noting() -> Iterator[Changes]:
    """Note the writes made inside (a request); the caller announces them."""
    changes = Changes()
    token = _current.set(changes)
    try:
        yield changes
    finally:
        _current.reset(token)


@asynccontextmanager
async def tracking(announce: Announce) -> AsyncIterator[Changes]:
    """Note the writes made inside, and announce them when it closes (after their commit)."""
    with noting() as changes:
        yield changes
    if changes:
        await announce(changes)
