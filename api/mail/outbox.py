"""The mail outbox: mails stored with the change that causes them, claimed by one worker, retried until sent.

A claim moves a mail's `due_at` past the time one send may take, with a conditional UPDATE, so of several
workers exactly one wins it (PostgreSQL also skips rows another worker has locked); a worker that dies
mid-send leaves the mail due again once the claim runs out.
"""

from datetime import datetime, timedelta

from tortoise.expressions import F

from api.db.models import OutboxMail
from api.db.transactions import writing
from api.mail.compose import Mail, new_message_id

MAIL, RESET_REQUEST = "mail", "reset_request"
CLAIM = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(hours=1)
# a mail is retried at least this long before it is given up
GIVE_UP_AFTER = timedelta(hours=24)


async def enqueue(mail: Mail, *, sender: str, moment: datetime) -> OutboxMail:
    """Store a mail to send now; call it inside the transaction of the change that causes the mail."""
    return await OutboxMail.create(
        to_address=mail.to,
        subject=mail.subject,
        text_body=mail.text,
        html_body=mail.html,
        message_id=new_message_id(sender),
        created_at=moment,
        due_at=moment,
    )


async def enqueue_reset_request(email: str, *, moment: datetime) -> None:
    """Note that a reset link was asked for this address; the delivery finds out if an account uses it."""
    await OutboxMail.create(
        kind=RESET_REQUEST,
        to_address=email,
        subject="",
        text_body="",
        html_body="",
        message_id="",
        created_at=moment,
        due_at=moment,
    )


async def fill(row: OutboxMail, mail: Mail, *, sender: str) -> None:
    """Turn a request into the mail it asked for."""
    row.kind, row.subject, row.text_body, row.html_body = MAIL, mail.subject, mail.text, mail.html
    row.message_id = new_message_id(sender)
    await row.save(update_fields=["kind", "subject", "text_body", "html_body", "message_id"])


async def drop(row: OutboxMail) -> None:
    """Forget a request that leads to no mail (no active account uses the address)."""
    await OutboxMail.filter(id=row.id).delete()


async def claim_due(*, moment: datetime, limit: int = 10) -> list[OutboxMail]:
    """The due mails this worker now holds (at most `limit`), oldest first."""
    # most polls find nothing: only a poll with work takes the write lock (SQLite's, in `writing()`)
    if not await OutboxMail.filter(sent_at=None, failed_at=None, due_at__lte=moment).exists():
        return []
    claimed = []
    async with writing():
        candidates = (
            await OutboxMail.filter(sent_at=None, failed_at=None, due_at__lte=moment)
            .order_by("due_at", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
        )
        for mail in candidates:
            won = await OutboxMail.filter(id=mail.id, due_at=mail.due_at, sent_at=None).update(
                due_at=moment + CLAIM, attempts=F("attempts") + 1
            )
            if won:
                mail.attempts += 1
                claimed.append(mail)
    return claimed


async def mark_sent(mail: OutboxMail, *, moment: datetime) -> None:
    """The mail was handed to the SMTP server."""
    await OutboxMail.filter(id=mail.id).update(sent_at=moment, last_error=None)


async def mark_failed_attempt(mail: OutboxMail, *, error: str, moment: datetime) -> bool:
    """Schedule the next try (10 s, doubling, at most an hour apart); False when the mail is given up."""
    if moment - mail.created_at >= GIVE_UP_AFTER:
        await OutboxMail.filter(id=mail.id).update(failed_at=moment, last_error=error[:500])
        return False
    delay = min(FIRST_RETRY * 2 ** (mail.attempts - 1), MAX_RETRY)
    await OutboxMail.filter(id=mail.id).update(due_at=moment + delay, last_error=error[:500])
    return True


async def pending_count() -> int:
    """How many mails wait to be sent."""
    return await OutboxMail.filter(sent_at=None, failed_at=None).count()


async def next_due() -> datetime | None:
    """When the earliest pending mail is due, or None when none waits."""
    first = await OutboxMail.filter(sent_at=None, failed_at=None).order_by("due_at").first()
    return first.due_at if first is not None else None
