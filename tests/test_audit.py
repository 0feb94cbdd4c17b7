"""The audit log: one JSON line per security event, with user id, address and outcome, never a secret."""

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from jose import jwt

from api.db.models import User

from .conftest import PASSWORD, bearer, deliver_now, direct_writes, login, make_settings, register, serve
from .smtp import Inbox, link_in

NEW_PASSWORD = "quiet-Harbour-lights-7"


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "api.audit"]


@pytest.fixture(autouse=True)
def capture_audit(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="api.audit")


async def test_every_security_event_is_one_line_without_secrets(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = (await register(client, "alice")).json()["id"]
    await login(client, "alice", "wrong-password")
    tokens = (await login(client, "alice")).json()
    other = (await login(client, "alice")).json()
    await client.post("/token/revoke", data={"token": other["refresh_token"]})
    await client.post(
        "/user/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(tokens["access_token"]),
    )
    tokens = (await login(client, "alice", NEW_PASSWORD)).json()
    await client.post("/logout", headers=bearer(tokens["access_token"]))
    for _ in range(6):
        await login(client, "alice", "wrong-password")

    lines = audit_lines(caplog)
    events = [(line["event"], line["outcome"]) for line in lines]
    assert events[:7] == [
        ("login", "failure"),
        ("login", "success"),
        ("login", "success"),
        ("revocation", "success"),
        ("password_change", "success"),
        ("login", "success"),
        ("logout", "success"),
    ]
    assert events[-1] == ("login", "throttled")
    assert all(line["ip"] == "127.0.0.1" for line in lines)
    assert lines[0]["user_id"] == user_id and lines[1]["user_id"] == user_id
    text = caplog.text
    for secret in (PASSWORD, NEW_PASSWORD, "wrong-password", tokens["access_token"], tokens["refresh_token"]):
        assert secret not in text
    assert "$argon2" not in text


async def test_failed_password_change_is_audited(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await register(client, "alice")
    tokens = (await login(client, "alice")).json()
    await client.post(
        "/user/me/password",
        json={"current_password": "not-it-at-all", "new_password": NEW_PASSWORD},
        headers=bearer(tokens["access_token"]),
    )
    assert ("password_change", "failure") in [
        (line["event"], line["outcome"]) for line in audit_lines(caplog)
    ]


async def test_ending_a_session_is_audited(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await register(client, "alice")
    phone = (await login(client, "alice")).json()
    laptop = (await login(client, "alice")).json()
    phone_session = jwt.get_unverified_claims(phone["access_token"])["sid"]
    await client.delete(f"/user/me/sessions/{phone_session}", headers=bearer(laptop["access_token"]))
    revocations = [line for line in audit_lines(caplog) if line["event"] == "revocation"]
    assert revocations and revocations[-1]["session_id"] == phone_session


async def test_e_mail_events_are_audited_without_their_tokens(
    tmp_path: Path, smtp: tuple[str, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    url, inbox = smtp
    public = "https://auth.example.test"
    async with serve(make_settings(tmp_path, smtp_url=url, public_url=public)) as (_, client):
        user_id = (await register(client, "alice", email="alice@example.com")).json()["id"]
        verify = link_in((await inbox.wait_for(1))[0], f"{public}/verify-email?token=").rpartition("=")[2]
        await client.post("/verify-email", json={"token": verify})
        await client.post("/forgot-password", json={"email": "alice@example.com"})
        reset = link_in((await inbox.wait_for(2))[1], f"{public}/reset-password?token=").rpartition("=")[2]
        await client.post("/reset-password", json={"token": reset, "new_password": NEW_PASSWORD})
        notice = (await inbox.wait_for(3))[2]
    assert notice["Subject"] == "Your password was changed"
    events = [(line["event"], line["outcome"], line["user_id"]) for line in audit_lines(caplog)]
    assert events == [
        ("email_verification", "success", user_id),
        ("password_reset_request", "success", None),
        ("password_reset", "success", user_id),
    ]
    logged = caplog.text
    assert verify not in logged and reset not in logged and NEW_PASSWORD not in logged


async def test_a_password_change_sends_a_notice_to_a_verified_address_only(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    async with serve(make_settings(tmp_path, smtp_url=url)) as (app, client):
        await register(client, "alice", email="alice@example.com")
        await register(client, "bob", email="bob@example.com")
        await inbox.wait_for(2)
        async with direct_writes(client):
            await User.filter(username_key="alice").update(email_verified=True)
        for name in ("alice", "bob"):
            tokens = (await login(client, name)).json()
            changed = await client.post(
                "/user/me/password",
                json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                headers=bearer(tokens["access_token"]),
            )
            assert changed.status_code == 204
        await deliver_now(app)
    assert [(m["To"], m["Subject"]) for m in inbox.messages[2:]] == [
        ("alice@example.com", "Your password was changed")
    ]
