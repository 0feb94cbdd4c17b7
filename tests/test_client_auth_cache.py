"""The per-worker record of authenticated clients: only the header that proved a client passes, and any
client's change, in any process, voids every record."""

from pathlib import Path

from api.hotpath.answer_cache import AnswerCache
from api.hotpath.change_counters import ChangeCounters
from api.hotpath.client_auth import ClientAuthCache

HEADER = "Basic cnM6czNjcmV0"  # rs:s3cret


def proofs(tmp_path: Path, *, trusted: bool = True) -> ClientAuthCache:
    counters = ChangeCounters(tmp_path / "changes.counter")
    return ClientAuthCache(AnswerCache(counters, enabled=lambda: trusted))


def test_the_header_that_proved_a_client_passes_until_any_client_changes(tmp_path: Path) -> None:
    cache = proofs(tmp_path)
    cache.remember(HEADER, "rs", everyone=cache.counter())
    assert cache.proven(HEADER) == "rs"
    ChangeCounters(tmp_path / "changes.counter").bump(None)  # another process: a secret rotated
    assert cache.proven(HEADER) is None


def test_another_header_is_not_proven(tmp_path: Path) -> None:
    cache = proofs(tmp_path)
    cache.remember(HEADER, "rs", everyone=cache.counter())
    assert cache.proven("Basic cnM6czNjcmV1") is None
    assert cache.proven(HEADER) == "rs"


def test_a_user_change_leaves_the_record(tmp_path: Path) -> None:
    cache = proofs(tmp_path)
    cache.remember(HEADER, "rs", everyone=cache.counter())
    ChangeCounters(tmp_path / "changes.counter").bump([7])
    assert cache.proven(HEADER) == "rs"


def test_a_proof_read_before_a_change_or_while_untrusted_is_not_kept(tmp_path: Path) -> None:
    cache = proofs(tmp_path)
    before = cache.counter()
    ChangeCounters(tmp_path / "changes.counter").bump(None)
    cache.remember(HEADER, "rs", everyone=before)
    assert cache.proven(HEADER) is None
    untrusted = proofs(tmp_path / "pg", trusted=False)
    untrusted.remember(HEADER, "rs", everyone=untrusted.counter())
    assert untrusted.proven(HEADER) is None
