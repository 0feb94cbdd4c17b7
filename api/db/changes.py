"""Marking a change that cached answers depend on, from wherever it is made; pure.

A service that commits such a change calls `changed()`. Within a request, `ChangeTracking` (the middleware)
then bumps the shared counter, and tells other machines, once the request's work is done and before its answer
leaves: after the commit, so a worker never caches what was true just before it.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Changes:
    """Whether the current request changed sessions or users."""

    made: bool = False


_current: ContextVar[Changes | None] = ContextVar("auth_changes", default=None)


def changed() -> None:
    """Note that sessions or users changed in this request (a revocation, a profile, a role, a deletion)."""
    if (changes := _current.get()) is not None:
        changes.made = True


def track() -> Changes:
    """Start noting the changes of the request now running; what `changed()` will mark."""
    changes = Changes()
    _current.set(changes)
    return changes
