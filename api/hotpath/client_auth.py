"""The confidential clients a worker has authenticated, kept until any client changes; pure.

Introspection's callers are a few resource servers calling on every request: checking their secret costs a
query each time. A success is kept by client id, with the digest of the secret that proved it and the
everyone-counter it was read under; a client's secret rotated, its confidentiality changed or the client
deleted bumps that counter (its `Watch` in `api.db.models`), in every worker and, through NOTIFY, on every
machine. A failure is never kept: the route answers it, with its audit event.
"""

import hmac
from dataclasses import dataclass

from api.core.bounded_cache import BoundedCache
from api.core.opaque import opaque_digest
from api.hotpath.answer_cache import AnswerCache

# the everyone-counter only: a client is nobody's user
_NOBODY = 0


@dataclass(frozen=True, slots=True)
class _Proof:
    secret_digest: str
    everyone: int


class ClientAuthCache:
    """Client ids whose secret a worker checked, valid while no client has changed since."""

    def __init__(self, answers: AnswerCache, *, max_entries: int = 1_000) -> None:
        self._answers = answers
        self._proofs: BoundedCache[str, _Proof] = BoundedCache(max_entries)

    def counter(self) -> int:
        """The everyone-counter now: read it before asking the database, and store the success under it."""
        return self._answers.counters.generation(_NOBODY)[0]

    def proven(self, client_id: str, secret: str) -> bool:
        """Whether this secret is the one that proved this client, and nothing changed since."""
        proof = self._proofs.get(client_id)
        if proof is None:
            return False
        if proof.everyone != self.counter() or not self._answers.trusted():
            self._proofs.discard(client_id)
            return False
        return hmac.compare_digest(proof.secret_digest, opaque_digest(secret))

    def remember(self, client_id: str, secret: str, *, everyone: int) -> None:
        """Keep a success read from the database under the counter read before the query."""
        if everyone == self.counter() and self._answers.trusted():
            self._proofs.put(client_id, _Proof(opaque_digest(secret), everyone))
