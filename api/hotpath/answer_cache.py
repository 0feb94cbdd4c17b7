"""The `GET /user/me` answers a worker has given, kept until anything they depend on may have changed; pure.

Every commit that can make an answer stale (a session revoked; a user changed, disabled, demoted or deleted)
bumps that user's counter in the machine's shared `ChangeCounters`. An answer is stored with the counters it
was read under (everyone's and its user's slot), and given again only while both stand where they stood: a
change voids its users' answers in every worker at once, and nobody else's. An answer is also forgotten when
its token expires, and after `max_age_seconds`, so that a session's `last_used_at` keeps its resolution.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from api.core.bounded_cache import BoundedCache
from api.hotpath.change_counters import ChangeCounters, Generation


@dataclass(frozen=True, slots=True)
class Answer:
    """A `GET /user/me` answer, its token's scopes, whose it is, and until when it may be given again."""

    body: bytes
    scopes: frozenset[str]
    token_expires_at: float
    fresh_until: float
    user_id: int
    generation: Generation


class AnswerCache:
    """Answers by access token, valid while their user's change counters stay where they were."""

    def __init__(
        self,
        counters: ChangeCounters,
        *,
        max_age_seconds: float = 60.0,
        max_entries: int = 10_000,
        enabled: Callable[[], bool] = lambda: True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.counters = counters
        self._max_age = max_age_seconds
        # False while answers cannot be trusted (PostgreSQL's change notifications are down)
        self._enabled = enabled
        self._monotonic = monotonic
        self._answers: BoundedCache[str, Answer] = BoundedCache(max_entries)

    def generation(self, user_id: int) -> Generation:
        """The counters now: read them before asking the database, and store the answer under them."""
        return self.counters.generation(user_id)

    def trusted(self) -> bool:
        """Whether cached answers may be given now (False while PostgreSQL's notifications are down)."""
        return self._enabled()

    def get(self, token: str) -> Answer | None:
        """The stored answer for this token, if nothing it depends on may have changed since."""
        answer = self._answers.get(token)
        if answer is None:
            return None
        if (
            answer.generation != self.counters.generation(answer.user_id)
            or self._monotonic() > answer.fresh_until
            or time.time() >= answer.token_expires_at
            or not self._enabled()
        ):
            self._answers.discard(token)
            return None
        return answer

    def put(
        self,
        token: str,
        *,
        body: bytes,
        scopes: frozenset[str],
        token_expires_at: float,
        user_id: int,
        generation: Generation,
    ) -> None:
        """Store an answer read from the database under the counters read before the query."""
        if self._max_age <= 0 or not self._enabled() or generation != self.counters.generation(user_id):
            return  # something changed meanwhile: the answer may be stale already
        fresh_until = self._monotonic() + self._max_age
        self._answers.put(token, Answer(body, scopes, token_expires_at, fresh_until, user_id, generation))
