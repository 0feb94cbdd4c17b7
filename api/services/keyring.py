"""Each worker's copy of the key set: loaded at start, re-read every second and whenever a token names a
key it does not know, so a rotation done anywhere reaches every worker without a restart."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from api.core import jwk
from api.core.jwt import AccessClaims, TokenCodec, UnknownKey
from api.core.sealing import SIGNING_KEYS, Sealer
from api.services import signing_keys

logger = logging.getLogger("api.keys")
# an unknown `kid` re-reads the keys at most this often, so forged tokens cannot make every request query
_UNKNOWN_KEY_RELOAD_SECONDS = 0.2


class KeyRing:
    """The key set of one worker, kept in the token codec; HS256 needs no database and never reloads."""

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

    async def prepare(self) -> None:
        """Make the first key when there is none, and load the set (at start, after the migrations)."""
        if self.asymmetric:
            await signing_keys.ensure_current(
                algorithm=self.algorithm,
                sealer=self._sealer,
                moment=self._clock(),
                token_lifetime=self._token_lifetime,
            )
            await self.reload()

    async def rotate(self) -> str:
        """Make a new key current everywhere; its id."""
        kid = await signing_keys.rotate(
            algorithm=self.algorithm,
            sealer=self._sealer,
            moment=self._clock(),
            token_lifetime=self._token_lifetime,
        )
        await self.reload()
        return kid

    async def reload(self) -> None:
        """Read the key set from the database now."""
        self._loaded_at = time.monotonic()
        self.codec.use(
            await signing_keys.load(
                algorithm=self.algorithm, sealer=self._sealer, moment=self._clock(), previous=self.codec.keys
            )
        )

    def published(self) -> list[dict[str, str]]:
        """The public keys as JWKs, newest first; none under HS256."""
        return list(self.codec.keys.public_jwks) if self.asymmetric else []

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
        if self.asymmetric:
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
                await self.reload()
            except Exception:  # the database is away, or a key does not open: keep the set already loaded
                if not self._failing:
                    logger.exception("reading the signing keys failed; keeping the ones loaded")
                self._failing = True
            else:
                if self._failing:
                    logger.info("reading the signing keys works again")
                self._failing = False
