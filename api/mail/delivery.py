"""The background task of each worker that sends the outbox's due mails, and retries the ones that fail."""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from api.core.polling import PollingTask
from api.db.models import OutboxMail
from api.mail import outbox
from api.mail.compose import message
from api.mail.transport import DeliveryFailed, Transport
from api.observability import metrics

logger = logging.getLogger("api.mail")


class MailDelivery:
    """Sends due mails when woken (a mail was queued here) and every `poll_seconds` (queued elsewhere)."""

    def __init__(
        self,
        *,
        transport: Transport | None,
        sender: str,
        clock: Callable[[], datetime],
        poll_seconds: float = 1.0,
    ) -> None:
        # None: this node sends nothing, and leaves the shared outbox to the nodes that can
        self._transport = transport
        self._sender = sender
        self._clock = clock
        self._task = PollingTask(
            self.deliver_due, name="mail-delivery", poll_seconds=poll_seconds, logger=logger
        )
        # turns a request row (a reset link asked for) into its mail, or drops it: False when there is none
        self.prepare: Callable[[OutboxMail], Awaitable[bool]] | None = None

    def wake(self) -> None:
        """Look for due mails now (after a change that queued one has committed)."""
        self._task.wake()

    def start(self) -> None:
        """Start the background task (in the app's lifespan)."""
        if self._transport is None:
            logger.warning(
                "no SMTP_URL: this node sends no mail, and leaves the outbox to the nodes that have SMTP_URL"
            )
            return
        self._task.start()

    async def stop(self) -> None:
        """Stop the task (see PollingTask.stop)."""
        await self._task.stop()

    async def deliver_due(self) -> int:
        """Send every mail due now; how many were handed over."""
        sent = 0
        if self._transport is None:
            return sent
        while claimed := await outbox.claim_due(moment=self._clock()):
            for mail in claimed:
                sent += await self._deliver(mail)
        metrics.mails_pending.set(await outbox.pending_count())
        return sent

    async def _deliver(self, mail: OutboxMail) -> int:
        if mail.kind != outbox.MAIL and not (self.prepare is not None and await self.prepare(mail)):
            return 0
        mime = message(
            sender=self._sender,
            to=mail.to_address,
            subject=mail.subject,
            text=mail.text_body,
            html=mail.html_body,
            message_id=mail.message_id,
            date=mail.created_at,
        )
        assert self._transport is not None  # deliver_due claims nothing without one
        try:
            await self._transport.send(mime)
        except DeliveryFailed as exc:
            if await outbox.mark_failed_attempt(mail, error=str(exc), moment=self._clock()):
                logger.warning("mail %s: attempt %d failed, will retry: %s", mail.id, mail.attempts, exc)
            else:
                logger.error(
                    "mail %s to %s given up after %d attempts: %s",
                    mail.id,
                    mail.to_address,
                    mail.attempts,
                    exc,
                )
            return 0
        await outbox.mark_sent(mail, moment=self._clock())
        return 1
