"""The outbox never loses a mail: SMTP down then up, a restart with mails pending, two workers, giving up."""

import asyncio
import logging
import sys
import time
from pathlib import Path

import pytest

from api.db.models import OutboxMail
from api.mail import outbox
from api.mail.compose import compose
from api.observability import metrics

from .conftest import Clock, deliver_now, make_settings, register, serve
from .legacy import query
from .live import free_port, running_service
from .smtp import smtp_server


async def test_a_mail_queued_while_smtp_is_down_arrives_once_it_is_up(tmp_path: Path) -> None:
    port, clock = free_port(), Clock()
    settings = make_settings(tmp_path, smtp_url=f"smtp://127.0.0.1:{port}")
    async with serve(settings, clock=clock) as (app, client):
        assert (await register(client, "alice", email="alice@example.com")).status_code == 201
        await deliver_now(app)
        [mail] = await OutboxMail.all()
        assert mail.sent_at is None and mail.attempts >= 1 and mail.last_error
        assert mail.due_at > clock.now
        with smtp_server(port) as inbox:
            clock.advance(seconds=10 * 2 ** (mail.attempts - 1) + 1)
            assert await app.state.auth.delivery.deliver_due() == 1
            [received] = await inbox.wait_for(1)
        assert received["To"] == "alice@example.com"
        assert (await OutboxMail.get(id=mail.id)).sent_at is not None


async def test_mails_pending_at_a_stop_are_sent_after_the_restart(
    tmp_path: Path, fresh_database_url: str
) -> None:
    port = free_port()
    settings = make_settings(tmp_path, database_url=fresh_database_url, smtp_url=f"smtp://127.0.0.1:{port}")
    async with serve(settings) as (_, client):
        for name in ("alice", "bob"):
            assert (await register(client, name, email=f"{name}@example.com")).status_code == 201
    with smtp_server(port) as inbox:
        async with serve(settings):
            mails = await inbox.wait_for(2)
    assert sorted(mail["To"] for mail in mails) == ["alice@example.com", "bob@example.com"]


async def test_retries_back_off_from_10_seconds_doubling_and_give_up_after_a_day(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    settings = make_settings(tmp_path, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    async with serve(settings, clock=clock) as (app, _):
        mail = compose("password_changed", to="alice@example.com", public_url="http://x", username="alice")
        queued = await outbox.enqueue(mail, sender=settings.mail_from, moment=clock.now)
        delivery = app.state.auth.delivery
        await delivery.stop()
        gaps = []
        for _ in range(4):
            before = clock.now
            await delivery.deliver_due()
            due = (await OutboxMail.get(id=queued.id)).due_at
            gaps.append(round((due - before).total_seconds()))
            clock.now = due
        assert gaps == [10, 20, 40, 80]
        caplog.set_level(logging.ERROR, logger="api.mail")
        clock.advance(hours=24)
        await delivery.deliver_due()
        given_up = await OutboxMail.get(id=queued.id)
        assert given_up.failed_at is not None and given_up.sent_at is None
        assert any("given up after 5 attempts" in record.getMessage() for record in caplog.records)
        assert await outbox.pending_count() == 0


def test_two_workers_send_each_of_fifty_queued_mails_exactly_once(
    tmp_path: Path, fresh_database_url: str
) -> None:
    port = free_port()
    settings = make_settings(tmp_path, database_url=fresh_database_url, smtp_url=f"smtp://127.0.0.1:{port}")

    async def queue_fifty() -> None:
        async with serve(settings) as (app, _):
            await app.state.auth.delivery.stop()  # queued here, sent by the two workers below
            moment = app.state.auth.clock()
            for n in range(50):
                mail = compose(
                    "password_changed", to=f"user{n}@example.com", public_url="http://x", username="u"
                )
                await outbox.enqueue(mail, sender=settings.mail_from, moment=moment)

    async def all_sent() -> list[tuple[object, ...]]:
        deadline = time.monotonic() + 60
        while (
            len(
                rows := await query(
                    fresh_database_url, "SELECT attempts FROM mail_outbox WHERE sent_at IS NOT NULL"
                )
            )
            < 50
        ):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        return rows

    asyncio.run(queue_fifty())
    command = [sys.executable, str(Path(__file__).parent.parent / "run.py"), "--workers", "2", "--port"]
    with (
        smtp_server(port) as inbox,
        running_service(
            tmp_path,
            fresh_database_url,
            command=lambda free: [*command, str(free)],
            extra_env={"SMTP_URL": f"smtp://127.0.0.1:{port}"},
        ),
    ):
        asyncio.run(inbox.wait_for(50, timeout=60))
        attempts = asyncio.run(all_sent())
    # every row was claimed once and sent once, and the server got each mail once
    assert attempts == [(1,)] * 50
    assert sorted(mail["To"] for mail in inbox.messages) == sorted(f"user{n}@example.com" for n in range(50))


async def test_the_pending_gauge_counts_the_backlog(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    async with serve(settings) as (app, client):
        for name in ("alice", "bob"):
            await register(client, name, email=f"{name}@example.com")
        await deliver_now(app)
        assert metrics.mails_pending._value.get() == 2
