"""The bounded cache behind the per-worker token caches: first in, first out, never past its size."""

from api.core.bounded_cache import BoundedCache


def test_storing_past_the_size_forgets_the_oldest_entry() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (None, 2, 3, 2)


def test_storing_a_key_again_replaces_its_value_and_forgets_nothing_else() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    assert (cache.get("a"), cache.get("b"), len(cache)) == (10, 2, 2)


def test_discard_and_clear_forget_entries() -> None:
    cache: BoundedCache[str, int] = BoundedCache(3)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.discard("a")
    cache.discard("missing")
    assert (cache.get("a"), cache.get("b")) == (None, 2)
    cache.clear()
    assert len(cache) == 0
