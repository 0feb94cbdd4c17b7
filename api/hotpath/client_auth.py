"""The confidential clients a worker has authenticated, kept until any client changes; pure.

Introspection's callers are a few resource servers calling on every request, with the same `Authorization`
header each time: decoding it and checking its secret against the database cost more than the answer. A
success is kept under the SHA-256 of the whole header, with the everyone-counter it was read under; a
client's secret rotated, its confidentiality changed or the client deleted bumps that counter (its `Watch`
in `api.db.models`), in every worker and, through NOTIFY, on every machine. The key is a digest, so a
lookup's timing tells nothing about the secret (the route's own check compares in constant time). A failure
is never kept: the route answers it, with its audit event.
"""

import hashlib
from dataclasses import dataclass

from api.core.bounded_cache import BoundedCache
from api.hotpath.answer_cache import AnswerCache

# the everyone-counter only: a client is nobody's user
_NOBODY = 0


@dataclass(frozen=True, slots=True)
class _Proof:
    client_id: str
    everyone: int


class ClientAuthCache:
    """Client authentications a worker checked, valid while no client has changed since."""

    def __init__(self, answers: AnswerCache, *, max_entries: int = 1_000) -> None:
        self._answers = answers
        # only successes are kept: their number is bounded by the valid credentials
        self._proofs: BoundedCache[bytes, _Proof] = BoundedCache(max_entries)

    def counter(self) -> int:
        """The everyone-counter now: read it before asking the database, and store the success under it."""
        return self._answers.counters.generation(_NOBODY)[0]

    def proven(self, authorization: str) -> str | None:
        """The client this exact `Authorization` header proved, if nothing changed since."""
        key = _digest(authorization)
        proof = self._proofs.get(key)
        if proof is None:
            return None
        if proof.everyone != self.counter() or not self._answers.trusted():
            self._proofs.discard(key)
            return None
        return proof.client_id

    def remember(self, authorization: str, client_id: str, *, everyone: int) -> None:
        """Keep a success read from the database under the counter read before the query."""
        if everyone == self.counter() and self._answers.trusted():
            self._proofs.put(_digest(authorization), _Proof(client_id, everyone))


def _digest(authorization: str) -> bytes:
    return hashlib.sha256(authorization.encode("latin-1")).digest()
