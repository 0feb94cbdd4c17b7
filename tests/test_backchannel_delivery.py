"""The logouts' delivery never loses one nor sends one twice: the app down then unreachable across a restart,
retries that back off and give up, a 4xx that drops it, and two workers sharing the queue."""

import asyncio
import json
import logging
import sys
import time
from pathlib import Path

import jwt
import pytest

from api.db.models import BackchannelLogout

from .backchannel import sign_in_to_app, signed_in, verified
from .conftest import Clock, admin_token, bearer, make_settings, serve
from .legacy import query
from .live import running_service
from .logout_receiver import Receiver
from .oidc import ISSUER, Provider


def _audited(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    entries = [json.loads(record.getMessage()) for record in caplog.records if record.name == "api.audit"]
    return [entry for entry in entries if entry["event"] == "backchannel_logout"]


async def test_the_app_down_then_unreachable_across_a_restart_gets_the_token_once(
    tmp_path: Path, fresh_database_url: str
) -> None:
    clock, receiver = Clock(), Receiver(status=503)
    settings = make_settings(tmp_path, public_url=ISSUER, database_url=fresh_database_url)
    receiver.start()
    async with serve(settings, base_url=ISSUER, clock=clock) as (app, client):
        p = Provider(app=app, client=client, admin=bearer(await admin_token(client)))
        client.cookies.clear()
        registered = await p.register_app(backchannel_logout_uri=receiver.uri)
        await p.sign_in()
        id_token, _ = await sign_in_to_app(p, registered)
        assert (await client.post("/logout", headers=bearer(client.cookies["auth_token"]))).status_code == 204
        backchannel = app.state.auth.backchannel
        await backchannel.stop()
        await backchannel.deliver_due()
        assert [status for status, _ in receiver.posts] == [503]
        receiver.stop()
        clock.advance(seconds=15)  # the first retry comes within 15 seconds
        await backchannel.deliver_due()
        [pending] = await BackchannelLogout.all()
        jwks = (await client.get("/.well-known/jwks.json")).json()
    assert (
        pending.attempts == 2 and pending.delivered_at is None and "ConnectError" in str(pending.last_error)
    )
    receiver.status = 200
    receiver.start()
    try:
        clock.advance(minutes=1)
        async with serve(settings, base_url=ISSUER, clock=clock) as (app, _):
            deadline = time.monotonic() + 20
            while not receiver.accepted:  # the restarted service's own background task posts it
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            await app.state.auth.backchannel.stop()
            clock.advance(hours=30)
            assert await app.state.auth.backchannel.deliver_due() == 0
            [done] = await BackchannelLogout.all()
    finally:
        receiver.stop()
    assert [status for status, _ in receiver.posts] == [503, 200]
    [token] = receiver.accepted
    claims = verified(token, jwks, client_ids=[registered.client_id], at=done.delivered_at or clock.now)
    assert claims["sid"] == jwt.decode(id_token, options={"verify_signature": False})["sid"]


async def test_retries_back_off_from_10_seconds_and_give_up_after_the_setting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="api.audit")
    async with signed_in(tmp_path, backchannel_logout_retry_hours=1) as told:
        told.receiver.status = 503
        backchannel = told.p.app.state.auth.backchannel
        await backchannel.stop()
        assert (
            await told.p.client.post("/logout", headers=bearer(told.p.client.cookies["auth_token"]))
        ).status_code == 204
        gaps = []
        for _ in range(4):
            before = told.clock.now
            await backchannel.deliver_due()
            [row] = await BackchannelLogout.all()
            gaps.append(round((row.due_at - before).total_seconds()))
            told.clock.now = row.due_at
        assert gaps == [10, 20, 40, 80]
        told.clock.advance(hours=1)
        await backchannel.deliver_due()
        told.clock.advance(hours=1)
        await backchannel.deliver_due()
        [given_up] = await BackchannelLogout.all()
    assert given_up.failed_at is not None and given_up.delivered_at is None
    assert len(told.receiver.posts) == 5 and not told.receiver.accepted
    [entry] = _audited(caplog)
    assert (entry["outcome"], entry["client_id"], entry["sid"]) == (
        "dropped",
        told.app.client_id,
        told.id_token["sid"],
    )


async def test_a_4xx_drops_the_logout_and_a_2xx_is_audited_as_delivered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="api.audit")
    async with signed_in(tmp_path) as told:
        second = await told.p.register_app(name="Second", backchannel_logout_uri=told.receiver.uri)
        await sign_in_to_app(told.p, second)
        backchannel = told.p.app.state.auth.backchannel
        await backchannel.stop()
        told.receiver.status = 400
        await told.p.client.delete(
            f"/user/me/consents/{told.app.client_id}", headers=bearer(told.p.client.cookies["auth_token"])
        )
        await backchannel.deliver_due()
        told.clock.advance(hours=2)
        await backchannel.deliver_due()
        told.receiver.status = 200
        await told.p.client.delete(
            f"/user/me/consents/{second.client_id}", headers=bearer(told.p.client.cookies["auth_token"])
        )
        await backchannel.deliver_due()
    assert [status for status, _ in told.receiver.posts] == [400, 200]
    outcomes = [(entry["outcome"], entry["client_id"]) for entry in _audited(caplog)]
    assert outcomes == [("dropped", told.app.client_id), ("delivered", second.client_id)]


def test_two_workers_post_each_queued_logout_exactly_once(tmp_path: Path, fresh_database_url: str) -> None:
    receiver = Receiver()
    settings = make_settings(tmp_path, public_url=ISSUER, database_url=fresh_database_url)

    async def queue_thirty() -> None:
        async with serve(settings, base_url=ISSUER) as (app, client):
            await app.state.auth.backchannel.stop()  # queued here, posted by the two workers below
            p = Provider(app=app, client=client, admin=bearer(await admin_token(client)))
            registered = await p.register_app(backchannel_logout_uri=receiver.uri)
            moment = app.state.auth.clock()
            await BackchannelLogout.bulk_create(
                [
                    BackchannelLogout(
                        client_id=registered.client_id,
                        subject="1",
                        sid=f"sid-{n}",
                        created_at=moment,
                        due_at=moment,
                    )
                    for n in range(30)
                ]
            )

    async def all_delivered() -> list[tuple[object, ...]]:
        deadline = time.monotonic() + 60
        sql = "SELECT attempts FROM backchannel_logouts WHERE delivered_at IS NOT NULL"
        while len(rows := await query(fresh_database_url, sql)) < 30:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        return rows

    asyncio.run(queue_thirty())
    command = [sys.executable, str(Path(__file__).parent.parent / "run.py"), "--workers", "2", "--port"]
    receiver.start()
    try:
        with running_service(
            tmp_path,
            fresh_database_url,
            command=lambda free: [*command, str(free)],
            extra_env={"PUBLIC_URL": ISSUER},
        ):
            attempts = asyncio.run(all_delivered())
            time.sleep(1.5)  # a second post would come within a poll
    finally:
        receiver.stop()
    # every row was claimed once and posted once, and the app got each logout once
    assert attempts == [(1,)] * 30
    sids = sorted(
        jwt.decode(token, options={"verify_signature": False})["sid"] for token in receiver.accepted
    )
    assert sids == sorted(f"sid-{n}" for n in range(30))
