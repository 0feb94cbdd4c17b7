"""Each worker's copy of the key set: loaded at start, re-read every second and whenever a token names a
key it does not know, so a rotation done anywhere reaches every worker without a restart."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from api.core import jwk
from api.core.jwk import KeySet
from api.core.jwt import AccessClaims, TokenCodec, UnknownKey
from api.core.sealing import SIGNING_KEYS, Sealer
from api.services import signing_keys

logger = logging.getLogger("api.keys")
# an unknown `kid` re-reads the keys at most this often, so forged tokens cannot make every request query
_UNKNOWN_KEY_RELOAD_SECONDS = 0.2
_RELOAD_TIMEOUT_SECONDS = 5.0
# what id_tokens are signed with unless a client registered ES256 (under JWT_ALGORITHM=ES256)
ID_TOKEN_ALGORITHM = "RS256"


class KeyRing:
    """The key set of one worker: the access tokens' in the codec, and the database's (id_tokens, JWKS)."""

    def __init__(
        self,
        *,
        codec: TokenCodec,
        algorithm: str,
        secret: str,
        token_lifetime: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.codec = codec
        self.algorithm = algorithm
        self.asymmetric = algorithm in jwk.ASYMMETRIC
        self._sealer = Sealer(secret, purpose=SIGNING_KEYS)
        self._token_lifetime = token_lifetime
        self._clock = clock
        self._loaded_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._failing = False
        self.database_keys: KeySet = jwk.NO_KEYS

    async def prepare(self) -> None:
        """Make the first key when there is none, and load the set (at start, after the migrations)."""
        if self.asymmetric:
            await self._ensure(self.algorithm)
        await self.reload()

    async def _ensure(self, algorithm: str) -> None:
        await signing_keys.ensure_current(
            algorithm=algorithm,
            sealer=self._sealer,
            moment=self._clock(),
            token_lifetime=self._token_lifetime,
        )

    async def rotate(self, *, recorded: Callable[[str], Awaitable[None]] | None = None) -> list[str]:
        """A new current key for each algorithm in use, everywhere; their ids, the access tokens' first.
        `recorded` stores each key's audit row in the transaction that makes it."""
        kinds = await signing_keys.in_use()
        if self.asymmetric:
            kinds.add(self.algorithm)
        # under HS256 before any id_token: the id_tokens' key is made now
        kinds = kinds or {ID_TOKEN_ALGORITHM}
        ordered = sorted(kinds, key=lambda kind: (kind != self.algorithm, kind))
        kids = [
            await signing_keys.rotate(
                algorithm=kind,
                sealer=self._sealer,
                moment=self._clock(),
                token_lifetime=self._token_lifetime,
                recorded=recorded,
            )
            for kind in ordered
        ]
        await self.reload()
        return kids

    async def reload(self) -> None:
        """Read the key set from the database now."""
        self._loaded_at = time.monotonic()
        loaded = await signing_keys.load(
            algorithm=self.algorithm if self.asymmetric else None,
            sealer=self._sealer,
            moment=self._clock(),
            previous=self.database_keys,
        )
        self.database_keys = loaded
        if self.asymmetric:
            self.codec.use(loaded)

    async def id_token_signer(self, algorithm: str = ID_TOKEN_ALGORITHM) -> jwk.Verifier:
        """The key that signs id_tokens with `algorithm`: made the first time one is needed (under HS256 the
        service has no asymmetric key until then)."""
        signer = self.database_keys.signers.get(algorithm)
        if signer is None:
            await self._ensure(algorithm)
            await self.reload()
            signer = self.database_keys.signers[algorithm]
        return signer

    def published(self) -> list[dict[str, Any]]:
        """The public keys as JWKs, the access tokens' signing key first; never a symmetric key (under HS256,
        the id_tokens' key, from the first id_token on)."""
        return list(self.database_keys.public_jwks)

    async def verifier_of(self, kid: str) -> jwk.Verifier | None:
        """The published key named `kid` (an id_token's), reading the keys again if it is new to us."""
        found = self.database_keys.verifiers.get(kid)
        if found is None and time.monotonic() - self._loaded_at >= _UNKNOWN_KEY_RELOAD_SECONDS:
            await self.reload()
            found = self.database_keys.verifiers.get(kid)
        return found

    async def decode(self, token: str) -> AccessClaims:
        """The claims of a valid access token; a key made since the last reload is looked up first."""
        try:
            return self.codec.decode_access_token(token)
        except UnknownKey:
            if not self.asymmetric or time.monotonic() - self._loaded_at < _UNKNOWN_KEY_RELOAD_SECONDS:
                raise
        await self.reload()
        return self.codec.decode_access_token(token)

    def start(self) -> None:
        """Re-read the keys every second in the background (in the app's lifespan)."""
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="signing-keys")

    async def stop(self) -> None:
        """Stop the background reads."""
        if self._task is None:
            return
        # a flag, not a cancel: Python 3.11 can lose a cancel that meets a timeout
        self._stopping.set()
        await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=signing_keys.RELOAD_SECONDS)
            if self._stopping.is_set():
                return
            try:
                # a query that never answers (a connection lost mid-query) must stall neither loop nor stop
                await asyncio.wait_for(self.reload(), timeout=_RELOAD_TIMEOUT_SECONDS)
            except Exception:  # the database is away, or a key does not open: keep the set already loaded
                if not self._failing:
                    logger.exception("reading the signing keys failed; keeping the ones loaded")
                self._failing = True
            else:
                if self._failing:
                    logger.info("reading the signing keys works again")
                self._failing = False
