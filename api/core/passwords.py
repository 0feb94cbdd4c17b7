"""Password hashing, verification and policy; the hashes run in worker threads, never on the event loop."""

import asyncio
import contextlib
import gzip
import os
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from importlib.resources import files
from typing import TypeVar

from passlib.context import CryptContext

MAX_PASSWORD_LENGTH = 128
# the stored hash of an account made by another identity provider: no password matches it (a reset sets one)
NO_PASSWORD = "!"
# bcrypt reads at most 72 bytes; bcrypt 5 raises instead of truncating
_BCRYPT_MAX_BYTES = 72
# hashing threads yield the core to the event loop when both want it: at 19 rather than 10 a request
# arriving during a login storm waits half as long (p99 1.9 -> 1.0 ms), and logins run as fast
_HASH_THREAD_NICENESS = 19

_R = TypeVar("_R")


def normalize(password: str) -> str:
    """The form a password is hashed in: NFKC, so the same text typed anywhere gives the same hash."""
    return unicodedata.normalize("NFKC", password)


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-cased."""
    raw = files("api").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip().lower() for line in gzip.decompress(raw).decode().splitlines())


def policy_problem(password: str, *, username: str, min_length: int) -> str | None:
    """Why this password may not be used, or None when it may."""
    if len(password) < min_length:
        return f"Password must be at least {min_length} characters long"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be at most {MAX_PASSWORD_LENGTH} characters long"
    folded = normalize(password).casefold()
    if folded == normalize(username).casefold():
        return "Password must not be the same as the username"
    if folded in common_passwords():
        return "This password is too common; choose one that is harder to guess"
    return None


def build_context(*, memory_kib: int, time_cost: int, parallelism: int) -> CryptContext:
    """Argon2id for new hashes; bcrypt only to verify (and then replace) older hashes."""
    return CryptContext(
        schemes=["argon2", "bcrypt"],
        deprecated=["bcrypt"],
        argon2__type="ID",
        argon2__memory_cost=memory_kib,
        argon2__rounds=time_cost,
        argon2__parallelism=parallelism,
    )


def _lower_thread_priority() -> None:
    # not Linux, or not permitted: the threads run at normal priority
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _HASH_THREAD_NICENESS)


class PasswordHasher:
    """Hashes and verifies in a bounded thread pool: a login storm neither stalls the loop nor eats memory.

    `observe`, when given, is called in the thread with the seconds each hash or verification took.
    """

    def __init__(
        self,
        context: CryptContext,
        *,
        max_concurrency: int,
        observe: Callable[[float], None] | None = None,
    ) -> None:
        self._context = context
        self._observe = observe
        self._pool = ThreadPoolExecutor(
            max_workers=max_concurrency,
            thread_name_prefix="password-hash",
            initializer=_lower_thread_priority,
        )
        self._dummy_hash: str | None = None

    async def warm_up(self) -> None:
        """Start the threads and compute the dummy hash now, so the first login pays for neither."""
        await asyncio.get_running_loop().run_in_executor(self._pool, self._dummy)

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._context.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    async def hash(self, password: str) -> str:
        """The Argon2id hash of a password."""
        loop = asyncio.get_running_loop()
        digest: str = await loop.run_in_executor(
            self._pool, self._timed, partial(self._context.hash, normalize(password))
        )
        return digest

    async def verify(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        """Whether the password matches, and a new hash when the stored one should be replaced.

        With no stored hash (unknown user) the password is checked against a dummy hash, so the answer
        takes as long as for a real user.
        """
        loop = asyncio.get_running_loop()
        ok, new_hash = await loop.run_in_executor(
            self._pool, self._timed, partial(self._verify_and_update, password, stored_hash)
        )
        if stored_hash is None:
            return False, None
        return ok, new_hash

    def _timed(self, work: Callable[[], _R]) -> _R:
        if self._observe is None:
            return work()
        started = time.perf_counter()
        try:
            return work()
        finally:
            self._observe(time.perf_counter() - started)

    def _verify_and_update(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        if stored_hash == NO_PASSWORD:
            # an account made by another identity provider: no password works, in the time one takes
            self._context.verify(normalize(password), self._dummy())
            return False, None
        if stored_hash is None:
            stored_hash = self._dummy()
        secret = normalize(password)
        try:
            ok, new_hash = self._context.verify_and_update(secret, stored_hash)
        except ValueError:
            if self._context.identify(stored_hash) != "bcrypt":
                return False, None
            # older bcrypt used only the first 72 bytes: check those, then store a full Argon2id hash
            ok = self._context.verify(secret.encode()[:_BCRYPT_MAX_BYTES], stored_hash)
            new_hash = self._context.hash(secret) if ok else None
        return bool(ok), new_hash

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)
