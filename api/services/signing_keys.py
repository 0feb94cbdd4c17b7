"""The signing keys kept in the database: made at first start, rotated on demand, dropped once unneeded."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from tortoise.expressions import Q

from api.core import jwk
from api.core.jwk import KeySet, Verifier
from api.core.sealing import Sealer, Unreadable
from api.db import migrator
from api.db.models import SigningKey
from api.db.transactions import writing

# a worker may sign with a retired key until its next reload: the key verifies that much longer
RELOAD_SECONDS = 1.0
_RETIREMENT_MARGIN = timedelta(seconds=60)


class SigningKeysUnreadable(migrator.SchemaError):
    """The current signing key was sealed under another SECRET_KEY."""

    def __init__(self, kid: str) -> None:
        super().__init__(
            f"the current signing key {kid} was sealed with another SECRET_KEY: set the SECRET_KEY it was "
            "made with, or run `python run.py rotate-keys` for a new key (tokens signed before stay valid)"
        )


async def ensure_current(
    *, algorithm: str, sealer: Sealer, moment: datetime, token_lifetime: timedelta
) -> None:
    """Make a key for `algorithm` unless one is current (first start, or JWT_ALGORITHM just changed)."""
    if await _current(algorithm) is not None:
        return
    async with migrator.exclusive():
        if await _current(algorithm) is None:
            await _add(algorithm=algorithm, sealer=sealer, moment=moment, token_lifetime=token_lifetime)


async def rotate(
    *,
    algorithm: str,
    sealer: Sealer,
    moment: datetime,
    token_lifetime: timedelta,
    recorded: Callable[[str], Awaitable[None]] | None = None,
) -> str:
    """Make a new key current at once and retire the others; the new key's id. `recorded` stores the audit
    row in the same transaction."""
    async with migrator.exclusive():
        return await _add(
            algorithm=algorithm,
            sealer=sealer,
            moment=moment,
            token_lifetime=token_lifetime,
            recorded=recorded,
        )


async def _add(
    *,
    algorithm: str,
    sealer: Sealer,
    moment: datetime,
    token_lifetime: timedelta,
    recorded: Callable[[str], Awaitable[None]] | None = None,
) -> str:
    # RSA key generation takes a while: not on the event loop
    private_der = await asyncio.to_thread(jwk.new_private_key, algorithm)
    public = jwk.public_jwk(private_der, algorithm)
    kid = str(public["kid"])
    async with writing():
        # each algorithm has its own current key (id_tokens are RS256 whatever signs access tokens)
        await SigningKey.filter(retired_at=None, algorithm=algorithm).update(
            retired_at=moment, expires_at=moment + token_lifetime + _RETIREMENT_MARGIN
        )
        await SigningKey.filter(expires_at__lt=moment).delete()
        await SigningKey.create(
            kid=kid,
            algorithm=algorithm,
            public_jwk=public,
            sealed_private_key=sealer.seal(private_der, context=kid),
            created_at=moment,
        )
        if recorded is not None:
            await recorded(kid)
    return kid


async def _current(algorithm: str) -> SigningKey | None:
    return (
        await SigningKey.filter(algorithm=algorithm, retired_at=None).order_by("-created_at", "-kid").first()
    )


async def in_use() -> set[str]:
    """The algorithms that have a current key."""
    return {str(row.algorithm) for row in await SigningKey.filter(retired_at=None).only("kid", "algorithm")}


async def load(*, algorithm: str | None, sealer: Sealer, moment: datetime, previous: KeySet | None) -> KeySet:
    """The key set in the database now: the current key of `algorithm` signs access tokens (None: SECRET_KEY
    does), the current key of each algorithm signs id_tokens, every published key verifies."""
    rows = await SigningKey.filter(Q(expires_at=None) | Q(expires_at__gt=moment)).all()
    current: dict[str, SigningKey] = {}
    for row in sorted(
        (row for row in rows if row.retired_at is None), key=lambda row: (row.created_at, row.kid)
    ):
        current[row.algorithm] = row
    if algorithm is not None and algorithm not in current:
        raise migrator.SchemaError(f"no {algorithm} signing key in the database; restart to make one")
    known = previous.verifiers if previous is not None else {}
    # keys are immutable: one already built is reused, so a reload costs only the query
    verifiers = {row.kid: known.get(row.kid) or jwk.verifier(row.public_jwk) for row in rows}
    held = previous.signers if previous is not None else {}
    signers = {
        name: signer
        if (signer := held.get(name)) is not None and signer.kid == row.kid
        else _signer(row, sealer)
        for name, row in current.items()
    }
    first = current[algorithm].kid if algorithm is not None else None
    # the access tokens' signing key first, then the others newest first
    newest_first = sorted(rows, key=lambda row: (row.kid == first, row.created_at), reverse=True)
    published = tuple(row.public_jwk for row in newest_first)
    return KeySet(
        signer=signers[algorithm] if algorithm is not None else None,
        verifiers=verifiers,
        public_jwks=published,
        signers=signers,
    )


def _signer(row: SigningKey, sealer: Sealer) -> Verifier:
    try:
        private_der = sealer.open(row.sealed_private_key, context=row.kid)
    except Unreadable:
        raise SigningKeysUnreadable(row.kid) from None
    return jwk.signer(private_der, kid=row.kid, algorithm=row.algorithm)
