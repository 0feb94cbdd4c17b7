"""The background task of each worker that posts the due logout tokens to the apps, and retries the ones the
app could not take (5xx, unreachable); a 2xx ends a logout, a 4xx drops it."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from api.backchannel import queue
from api.backchannel.tokens import SignerFor, logout_token
from api.core.polling import PollingTask
from api.db.models import BackchannelLogout, OAuthClient
from api.observability import audit

logger = logging.getLogger("api.backchannel")
_TIMEOUT_SECONDS = 5.0


class BackchannelDelivery:
    """Posts due logouts every `poll_seconds` (they are queued by whichever worker ended the session)."""

    def __init__(
        self,
        *,
        signer_for: SignerFor,
        issuer: str,
        give_up_after: timedelta,
        clock: Callable[[], datetime],
        poll_seconds: float = 1.0,
    ) -> None:
        self._signer_for = signer_for
        self._issuer = issuer
        self._give_up_after = give_up_after
        self._clock = clock
        self._task = PollingTask(
            self.deliver_due, name="backchannel-logout", poll_seconds=poll_seconds, logger=logger
        )

    def wake(self) -> None:
        """Look for due logouts now."""
        self._task.wake()

    def start(self) -> None:
        """Start the background task (in the app's lifespan)."""
        self._task.start()

    async def stop(self) -> None:
        """Stop the task (see PollingTask.stop)."""
        await self._task.stop()

    async def deliver_due(self) -> int:
        """Post every logout due now; how many the apps took."""
        delivered = 0
        claimed = await queue.claim_due(moment=self._clock())
        if not claimed:  # the usual poll: no client (and its TLS context) made for nothing
            return delivered
        # no redirects: the token goes to the registered URI and nowhere else
        async with httpx.AsyncClient(timeout=_TIMEOUT_SECONDS, follow_redirects=False) as http:
            while claimed:
                for logout in claimed:
                    delivered += await self._deliver(logout, http)
                claimed = await queue.claim_due(moment=self._clock())
        return delivered

    async def _deliver(self, logout: BackchannelLogout, http: httpx.AsyncClient) -> int:
        client = await OAuthClient.get_or_none(client_id=logout.client_id)
        if client is None or client.backchannel_logout_uri is None:
            await self._drop(logout, reason="the app no longer has a back-channel logout URI")
            return 0
        token = await logout_token(
            client,
            signer_for=self._signer_for,
            issuer=self._issuer,
            subject=logout.subject,
            sid=logout.sid,
            issued_at=int(self._clock().timestamp()),
        )
        try:
            answer = await http.post(client.backchannel_logout_uri, data={"logout_token": token})
        except httpx.HTTPError as exc:
            return await self._retry(logout, error=f"{type(exc).__name__}: {exc}")
        if answer.is_success:
            await queue.mark_delivered(logout, moment=self._clock())
            audit.record("backchannel_logout", outcome="delivered", **_named(logout))
            return 1
        if answer.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            return await self._retry(logout, error=f"the app answered {answer.status_code}")
        # a 4xx (or a redirect, which is not followed): the app refused this token, and would again
        await self._drop(logout, reason=f"the app answered {answer.status_code}")
        return 0

    async def _retry(self, logout: BackchannelLogout, *, error: str) -> int:
        moment = self._clock()
        if await queue.retry_later(logout, error=error, moment=moment, give_up_after=self._give_up_after):
            logger.warning(
                "back-channel logout %s: attempt %d failed, will retry: %s", logout.id, logout.attempts, error
            )
        else:
            logger.error(
                "back-channel logout %s given up after %d attempts: %s", logout.id, logout.attempts, error
            )
            audit.record("backchannel_logout", outcome="dropped", reason=error, **_named(logout))
        return 0

    async def _drop(self, logout: BackchannelLogout, *, reason: str) -> None:
        await queue.mark_dropped(logout, error=reason, moment=self._clock())
        logger.warning("back-channel logout %s dropped: %s", logout.id, reason)
        audit.record("backchannel_logout", outcome="dropped", reason=reason, **_named(logout))


def _named(logout: BackchannelLogout) -> dict[str, Any]:
    return {
        "ip": None,
        "user_id": int(logout.subject) if logout.subject.isdigit() else None,
        "client_id": logout.client_id,
        "sid": logout.sid,
        "attempts": logout.attempts,
    }
