"""A dict that forgets its oldest entry when full; pure.

The per-worker caches keyed by a raw access token (verified claims, `GET /user/me` answers) use it: first in,
first out costs one dict operation per eviction, and a token's entry expires with the token anyway.
"""

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most `max_entries` values by key; storing one more drops the oldest."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        """The value stored under `key`, if any."""
        return self._entries.get(key)

    def put(self, key: K, value: V) -> None:
        """Store `value` under `key`, dropping the oldest entry when full."""
        if key not in self._entries and len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = value

    def discard(self, key: K) -> None:
        """Forget `key`, if stored."""
        self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
