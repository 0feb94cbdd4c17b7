"""The per-worker record of authenticated clients: only the secret that proved a client passes, and any
client's change, in any process, voids every record."""

from pathlib import Path

from api.hotpath.answer_cache import AnswerCache
from api.hotpath.change_counters import ChangeCounters
from api.hotpath.client_auth import ClientAuthCache


def proofs(tmp_path: Path, *, trusted: bool = True) -> ClientAuthCache:
    counters = ChangeCounters(tmp_path / "changes.counter")
    return ClientAuthCache(AnswerCache(counters, enabled=lambda: trusted))


def test_the_secret_that_proved_a_client_passes_until_any_client_changes(tmp_path: Path) -> None:
    cache = proofs(tmp_path)
    cache.remember("rs", "s3cret", everyone=cache.counter())
    assert cache.proven("rs", "s3cret")
    ChangeCounters(tmp_path / "changes.counter").bump(None)  # another process: a secret rotated
    assert not cache.proven("rs", "s3cret")


def test_another_secret_or_client_is_not_proven(tmp_path: Path) -> None:
    cache = proofs(tmp_path)
    cache.remember("rs", "s3cret", everyone=cache.counter())
    assert not cache.proven("rs", "s3cret-not")
    assert not cache.proven("other", "s3cret")
    assert cache.proven("rs", "s3cret")


def test_a_user_change_leaves_the_record(tmp_path: Path) -> None:
    cache = proofs(tmp_path)
    cache.remember("rs", "s3cret", everyone=cache.counter())
    ChangeCounters(tmp_path / "changes.counter").bump([7])
    assert cache.proven("rs", "s3cret")


def test_a_proof_read_before_a_change_or_while_untrusted_is_not_kept(tmp_path: Path) -> None:
    cache = proofs(tmp_path)
    before = cache.counter()
    ChangeCounters(tmp_path / "changes.counter").bump(None)
    cache.remember("rs", "s3cret", everyone=before)
    assert not cache.proven("rs", "s3cret")
    untrusted = proofs(tmp_path / "pg", trusted=False)
    untrusted.remember("rs", "s3cret", everyone=untrusted.counter())
    assert not untrusted.proven("rs", "s3cret")
