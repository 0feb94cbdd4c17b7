"""The answer cache on its own: what voids an answer, and the counter the workers share."""

import time
from pathlib import Path

from api.hotpath.answer_cache import AnswerCache, SharedCounter

LATER = time.time() + 600


def cache(tmp_path: Path, **options: object) -> AnswerCache:
    return AnswerCache(SharedCounter(tmp_path / "changes.counter"), **options)  # type: ignore[arg-type]


def store(answers: AnswerCache, token: str = "t", expires_at: float = LATER) -> None:
    answers.put(
        token,
        body=b"{}",
        scopes=frozenset({"profile"}),
        token_expires_at=expires_at,
        generation=answers.generation(),
    )


def test_an_answer_is_given_again_until_the_counter_moves_in_any_process(tmp_path: Path) -> None:
    answers = cache(tmp_path)
    store(answers)
    assert answers.get("t") is not None
    # another process maps the same file and bumps it
    other = SharedCounter(tmp_path / "changes.counter")
    other.bump()
    assert answers.get("t") is None
    assert other.read() == answers.generation() == 1


def test_an_answer_read_before_a_change_is_not_stored(tmp_path: Path) -> None:
    answers = cache(tmp_path)
    generation = answers.generation()
    answers.bump()  # a change commits while the database is being asked
    answers.get("t")
    answers.put("t", body=b"{}", scopes=frozenset(), token_expires_at=LATER, generation=generation)
    assert answers.get("t") is None


def test_an_answer_expires_with_its_token_and_after_its_maximum_age(tmp_path: Path) -> None:
    moment = [100.0]
    answers = cache(tmp_path, max_age_seconds=60, monotonic=lambda: moment[0])
    store(answers, "expired", expires_at=time.time() - 1)
    store(answers, "fresh")
    assert answers.get("expired") is None
    assert answers.get("fresh") is not None
    moment[0] += 61
    assert answers.get("fresh") is None


def test_a_zero_maximum_age_or_a_disabled_cache_keeps_nothing(tmp_path: Path) -> None:
    off = cache(tmp_path, max_age_seconds=0)
    store(off)
    assert off.get("t") is None
    listening = [True]
    guarded = cache(tmp_path, enabled=lambda: listening[0])
    store(guarded)
    listening[0] = False
    assert guarded.get("t") is None


def test_the_oldest_answer_makes_room(tmp_path: Path) -> None:
    answers = cache(tmp_path, max_entries=2)
    for token in ("a", "b", "c"):
        store(answers, token)
    assert [answers.get(token) is not None for token in ("a", "b", "c")] == [False, True, True]
