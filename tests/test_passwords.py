"""Password hashing: off the event loop, bounded, and the policy's list of common passwords."""

import asyncio
import os
import threading
from typing import Any, cast

from passlib.context import CryptContext

from api.core.passwords import PasswordHasher, build_context, common_passwords, policy_problem


class RecordingContext:
    """A real CryptContext that also records which threads hash and how many at once."""

    def __init__(self) -> None:
        self.real = build_context(memory_kib=19 * 1024, time_cost=2, parallelism=1)
        self.threads: set[int] = set()
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def _enter(self) -> None:
        with self._lock:
            self.threads.add(threading.get_ident())
            self.active += 1
            self.peak = max(self.peak, self.active)

    def _leave(self) -> None:
        with self._lock:
            self.active -= 1

    def hash(self, secret: str) -> str:
        self._enter()
        try:
            return cast(str, self.real.hash(secret))
        finally:
            self._leave()

    def verify_and_update(self, secret: str, stored: str) -> Any:
        self._enter()
        try:
            return self.real.verify_and_update(secret, stored)
        finally:
            self._leave()


async def test_hashing_runs_in_worker_threads_never_on_the_event_loop() -> None:
    context = RecordingContext()
    hasher = PasswordHasher(cast(CryptContext, context), max_concurrency=2)
    try:
        digest = await hasher.hash("a long enough password")
        assert (await hasher.verify("a long enough password", digest))[0] is True
    finally:
        hasher.close()
    assert context.threads and threading.get_ident() not in context.threads


async def test_hashing_threads_run_at_the_lowest_priority_so_requests_come_first() -> None:
    loop_priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    hasher = PasswordHasher(
        build_context(memory_kib=19 * 1024, time_cost=2, parallelism=1), max_concurrency=1
    )
    try:
        await hasher.warm_up()
        threads = [t for t in threading.enumerate() if t.name.startswith("password-hash")]
        assert threads
        assert all(os.getpriority(os.PRIO_PROCESS, t.native_id or 0) == 19 for t in threads)
    finally:
        hasher.close()
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == loop_priority


async def test_no_more_hashes_run_at_once_than_the_configured_concurrency() -> None:
    context = RecordingContext()
    hasher = PasswordHasher(cast(CryptContext, context), max_concurrency=2)
    try:
        await asyncio.gather(*(hasher.hash(f"password number {n}") for n in range(6)))
    finally:
        hasher.close()
    assert context.peak == 2


async def test_verify_with_no_stored_hash_is_false_after_real_work() -> None:
    context = RecordingContext()
    hasher = PasswordHasher(cast(CryptContext, context), max_concurrency=1)
    try:
        assert await hasher.verify("whatever it is", None) == (False, None)
    finally:
        hasher.close()
    assert context.threads, "the dummy hash must actually be verified"


async def test_unicode_passwords_are_compared_in_nfkc_form() -> None:
    hasher = PasswordHasher(
        build_context(memory_kib=19 * 1024, time_cost=2, parallelism=1), max_concurrency=1
    )
    try:
        digest = await hasher.hash("café-au-lait-42")  # composed é
        ok, _ = await hasher.verify("cafe\u0301-au-lait-42", digest)  # e + combining accent
    finally:
        hasher.close()
    assert ok is True


def test_bundled_common_password_list_has_at_least_ten_thousand_entries() -> None:
    passwords = common_passwords()
    assert len(passwords) >= 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= passwords


def test_a_strong_password_passes_the_policy() -> None:
    assert policy_problem("violet-Staircase-42", username="alice", min_length=8) is None
