"""The answer cache on its own: what voids an answer, and the change counters the workers share."""

import time
from pathlib import Path

from api.hotpath.answer_cache import AnswerCache
from api.hotpath.change_counters import SLOTS, ChangeCounters

LATER = time.time() + 600
ALICE, BOB = 1, 2


def cache(tmp_path: Path, **options: object) -> AnswerCache:
    return AnswerCache(ChangeCounters(tmp_path / "changes.counter"), **options)  # type: ignore[arg-type]


def store(answers: AnswerCache, token: str = "t", expires_at: float = LATER, user_id: int = ALICE) -> None:
    answers.put(
        token,
        body=b"{}",
        scopes=frozenset({"profile"}),
        token_expires_at=expires_at,
        user_id=user_id,
        generation=answers.generation(user_id),
    )


def test_an_answer_is_given_again_until_its_users_counter_moves_in_any_process(tmp_path: Path) -> None:
    answers = cache(tmp_path)
    store(answers)
    assert answers.get("t") is not None
    # another process maps the same file and bumps it
    other = ChangeCounters(tmp_path / "changes.counter")
    other.bump([ALICE])
    assert answers.get("t") is None
    assert other.generation(ALICE) == answers.generation(ALICE) == (0, 1)


def test_a_change_to_one_user_leaves_the_others_answers(tmp_path: Path) -> None:
    answers = cache(tmp_path)
    store(answers, "alice", user_id=ALICE)
    store(answers, "bob", user_id=BOB)
    answers.counters.bump([BOB])
    assert (answers.get("alice") is not None, answers.get("bob") is None) == (True, True)


def test_a_change_that_concerns_everyone_voids_every_answer(tmp_path: Path) -> None:
    answers = cache(tmp_path)
    store(answers, "alice", user_id=ALICE)
    store(answers, "bob", user_id=BOB)
    answers.counters.bump(None)
    assert (answers.get("alice"), answers.get("bob")) == (None, None)


def test_users_sharing_a_slot_void_each_others_answers_and_nobody_elses(tmp_path: Path) -> None:
    answers = cache(tmp_path)
    store(answers, "alice", user_id=ALICE)
    store(answers, "neighbour", user_id=ALICE + SLOTS)
    store(answers, "bob", user_id=BOB)
    answers.counters.bump([ALICE + SLOTS])
    assert [answers.get(token) is None for token in ("alice", "neighbour", "bob")] == [True, True, False]


def test_a_counter_file_of_release_0_2_grows_and_keeps_its_count(tmp_path: Path) -> None:
    path = tmp_path / "changes.counter"
    path.write_bytes((41).to_bytes(8, "little"))
    counters = ChangeCounters(path)
    assert counters.generation(ALICE) == (41, 0)
    counters.bump(None)
    assert path.read_bytes()[:8] == (42).to_bytes(8, "little")


def test_an_answer_read_before_a_change_is_not_stored(tmp_path: Path) -> None:
    answers = cache(tmp_path)
    generation = answers.generation(ALICE)
    answers.counters.bump([ALICE])  # a change commits while the database is being asked
    answers.put(
        "t", body=b"{}", scopes=frozenset(), token_expires_at=LATER, user_id=ALICE, generation=generation
    )
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
