"""The stored audit events: every event a row, GET /audit-events's filters and cursor, actors, retention."""

import base64
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.administration import roles
from api.db.models import AuditEvent, Role, Session, User
from api.observability import audit
from api.observability.audit import Entry
from api.services import admin
from api.services.admin import Actor
from api.services.audit_writer import AuditWriter
from api.services.sessions import RequestSource

from .conftest import (
    Clock,
    admin_token,
    bearer,
    direct_writes,
    login,
    make_settings,
    register,
    serve,
    stored_audit,
)
from .live import run_py

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
)
# within the retention: the writer deletes older events whenever it stores a batch
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
EVENTS = ("login", "refresh", "password_change", "admin_update")
OUTCOMES = ("success", "failure")


def cursor_of(text: str) -> str:
    """A cursor as the service makes them, of any text."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def events(client: httpx.AsyncClient, token: str, **params: Any) -> httpx.Response:
    return await client.get("/audit-events", params=params, headers=bearer(token))


async def every_page(client: httpx.AsyncClient, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every item the filters match, page after page along the cursors."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        response = await events(client, token, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert len(body["items"]) == params["limit"]


async def many_events(count: int) -> list[AuditEvent]:
    # several events share each moment, so the id orders those
    rows = [
        AuditEvent(
            at=START + timedelta(seconds=index // 3),
            event=EVENTS[index % len(EVENTS)],
            outcome=OUTCOMES[index % 7 % 2],
            user_id=index % 5 + 1,
            ip="203.0.113.9",
        )
        for index in range(count)
    ]
    await AuditEvent.bulk_create(rows, batch_size=500)
    return await AuditEvent.all().order_by("-at", "-id")


def matching(rows: list[AuditEvent], **wanted: Any) -> list[int]:
    return [
        row.id
        for row in rows
        if all(
            getattr(row, name) == value for name, value in wanted.items() if name not in ("since", "until")
        )
        and ("since" not in wanted or row.at >= wanted["since"])
        and ("until" not in wanted or row.at < wanted["until"])
    ]


async def test_a_login_is_stored_with_its_address_and_user_agent(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    user_id = (await register(client, "alice")).json()["id"]
    await client.post(
        "/token", data={"username": "alice", "password": "wrong"}, headers={"User-Agent": CHROME}
    )
    await stored_audit(client)

    body = (await events(client, token, user_id=user_id, event="login")).json()
    assert body["next_cursor"] is None
    [failure] = body["items"]
    assert failure["outcome"] == "failure"
    assert failure["ip"] == "127.0.0.1" and failure["user_agent"] == CHROME
    assert failure["actor_id"] is None and failure["client_id"] is None
    assert set(failure) == {
        "id", "at", "event", "outcome", "user_id", "actor_id", "client_id", "ip", "user_agent", "details"
    }  # fmt: skip


async def test_an_administrators_change_to_another_account_carries_the_actor(
    client: httpx.AsyncClient,
) -> None:
    token = await admin_token(client)
    admin_id = (await client.get("/user/me", headers=bearer(token))).json()["id"]
    user_id = (await register(client, "alice")).json()["id"]
    assert (
        await client.patch(f"/users/{user_id}", json={"disabled": True}, headers=bearer(token))
    ).is_success
    await stored_audit(client)

    [update] = (await events(client, token, event="admin_update")).json()["items"]
    assert update["user_id"] == user_id and update["actor_id"] == admin_id


class FailingStore(AuditWriter):
    """A writer whose immediate store fails, as a database refusing the row would."""

    async def store(self, entry: Entry) -> None:  # noqa: ARG002
        raise RuntimeError("the audit row cannot be stored")


async def test_an_administrators_change_is_stored_with_its_row_while_logins_wait_for_a_batch(
    client: httpx.AsyncClient,
) -> None:
    token = await admin_token(client)
    admin_id = (await client.get("/user/me", headers=bearer(token))).json()["id"]
    user_id = (await register(client, "alice")).json()["id"]
    # a writer that never stores a batch: only what is stored at once reaches the table
    held = AuditWriter(clock=lambda: START, retention=timedelta(days=1), flush_seconds=3600)
    audit.attach(held)
    try:
        assert (await login(client, "alice")).status_code == 200
        response = await client.patch(f"/users/{user_id}", json={"disabled": True}, headers=bearer(token))
        assert response.status_code == 200

        [update] = await AuditEvent.filter(event="admin_update")
        assert (update.user_id, update.actor_id) == (user_id, admin_id)
        assert not await AuditEvent.filter(event="login", user_id=user_id).exists()
        assert await held.flush() == 1, "the login waited in the batch"
        assert await AuditEvent.filter(event="login", user_id=user_id).exists()
    finally:
        audit.detach(held)


async def test_an_administrators_change_is_undone_when_its_row_cannot_be_stored(
    client: httpx.AsyncClient,
) -> None:
    await admin_token(client)
    admin_id = (await User.get(username="root")).id
    user_id = (await register(client, "alice")).json()["id"]
    failing = FailingStore(clock=lambda: START, retention=timedelta(days=1))
    actor = Actor(id=admin_id, source=RequestSource(user_agent=None, ip=None), moment=datetime.now(UTC))
    audit.attach(failing)
    try:
        async with direct_writes(client):
            with pytest.raises(RuntimeError):
                await admin.update(user_id, changes={"disabled": True}, actor=actor)
            with pytest.raises(RuntimeError):
                await roles.create_role(name="billing", description=None, actor=actor)
    finally:
        audit.detach(failing)

    assert not (await User.get(id=user_id)).disabled
    assert not await Role.exists(name="billing")
    assert not await Session.filter(user_id=user_id, revoked_at__not_isnull=True).exists()


async def test_filters_and_cursor_walk_thousands_of_events_without_gap_or_repeat(
    client: httpx.AsyncClient,
) -> None:
    token = await admin_token(client)
    await stored_audit(client)
    await AuditEvent.all().delete()
    rows = await many_events(3000)

    walked = await every_page(client, token, limit=500)
    assert [item["id"] for item in walked] == [row.id for row in rows]

    since, until = START + timedelta(seconds=100), START + timedelta(seconds=700)
    wanted: dict[str, Any] = {"user_id": 2, "event": "login", "outcome": "success"}
    for filters in (
        wanted,
        {**wanted, "since": since, "until": until},
        {"since": since},
        {"outcome": "failure"},
    ):
        params = {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in filters.items()
        }
        found = await every_page(client, token, limit=37, **params)
        assert [item["id"] for item in found] == matching(rows, **filters), filters
        assert found, filters


async def test_a_page_is_newest_first_and_the_last_has_no_cursor(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    await stored_audit(client)
    await AuditEvent.all().delete()
    rows = await many_events(10)

    first = (await events(client, token, limit=6)).json()
    second = (await events(client, token, limit=6, cursor=first["next_cursor"])).json()
    assert [item["id"] for item in first["items"] + second["items"]] == [row.id for row in rows]
    assert second["next_cursor"] is None
    assert first["items"][0]["at"] >= first["items"][-1]["at"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"cursor": "not-a-cursor"},
        {"cursor": "fDE"},
        {"cursor": cursor_of("2026-01-01T00:00:00+00:00|99999999999999999999")},
        {"cursor": cursor_of("0001-01-01T00:00:00+14:00|5")},
        {"since": "0001-01-01T00:00:00+14:00"},
        {"until": "9999-12-31T23:59:59-14:00"},
        {"outcome": "\x00"},
        {"since": "yesterday"},
        {"until": "2026-13-01"},
        {"until": "0.5"},
        {"event": "no_such_event"},
        {"user_id": 0},
    ],
)
async def test_a_bad_filter_is_a_422(client: httpx.AsyncClient, params: dict[str, Any]) -> None:
    token = await admin_token(client)
    response = await events(client, token, **params)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["query", *params]


async def test_only_administrators_read_the_audit_events(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    token = (await login(client, "alice")).json()["access_token"]
    assert (await events(client, token)).status_code == 403
    assert (await client.get("/audit-events")).status_code == 401


async def test_events_past_the_retention_are_deleted_by_the_writer(tmp_path: Path) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path, audit_retention_days=30), clock=clock) as (app, client):
        await register(client, "alice")
        await login(client, "alice", "wrong-password")
        await stored_audit(client)
        writer: AuditWriter = app.state.auth.audit
        clock.advance(days=29)
        await writer.expire_if_due()
        assert await AuditEvent.filter(event="login").exists()

        clock.advance(days=2)
        await login(client, "alice", "wrong-password")
        await stored_audit(client)
        assert await writer.expire_if_due() == 1
        [kept] = await AuditEvent.filter(event="login")
        assert kept.at == clock.now


@pytest.mark.usefixtures("client")  # the database
async def test_a_stop_stores_the_events_still_waiting() -> None:
    writer = AuditWriter(clock=lambda: START, retention=timedelta(days=1), flush_seconds=3600)
    writer.start()
    writer.accept(
        Entry(event="logout", outcome="success", ip=None, user_id=7, details={"session": uuid.UUID(int=1)})
    )
    await writer.stop()

    stored = await AuditEvent.get(event="logout")
    assert stored.user_id == 7 and stored.details == {"session": str(uuid.UUID(int=1))}


async def test_a_commands_events_are_stored_when_it_ends(tmp_path: Path, fresh_database_url: str) -> None:
    settings = make_settings(tmp_path, database_url=fresh_database_url)
    async with serve(settings):
        pass  # the schema, made by the app's start
    added = run_py(tmp_path, fresh_database_url, "add-role", "billing")
    assert added.returncode == 0, added.stderr
    async with serve(settings):
        [created] = await AuditEvent.filter(event="role_created")
    assert (created.outcome, created.ip, created.details) == ("success", None, {"role": "billing"})
