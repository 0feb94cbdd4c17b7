"""Verified e-mail over real SMTP: the mail, its link and page, the token rules, resending, requiring it."""

import logging
from pathlib import Path

import pytest

from api.db.models import OutboxMail, User

from .conftest import (
    ON_POSTGRES,
    Clock,
    bearer,
    deliver_now,
    direct_writes,
    logged_in,
    login,
    make_settings,
    register,
    serve,
)
from .live import free_port
from .smtp import Inbox, link_in, self_signed_tls, smtp_server

PUBLIC_URL = "https://auth.example.test"
VERIFY = f"{PUBLIC_URL}/verify-email?token="
INVALID = {"detail": "Invalid or expired token"}


def _token(link: str) -> str:
    return link.removeprefix(VERIFY)


async def test_registration_mails_a_multipart_verification_whose_link_verifies_the_address(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    async with serve(make_settings(tmp_path, smtp_url=url, public_url=PUBLIC_URL)) as (_, client):
        tokens = await logged_in(client, email="alice@example.com")
        [mail] = await inbox.wait_for(1)
        assert mail["To"] == "alice@example.com" and mail["Subject"] == "Confirm your e-mail address"
        assert mail["Message-ID"].endswith("@localhost>") and mail["Date"]
        assert mail.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
        link = link_in(mail, VERIFY)

        page = await client.get(link.removeprefix(PUBLIC_URL))
        assert page.status_code == 200 and 'action="/verify-email/form"' in page.text
        me = await client.get("/user/me", headers=bearer(tokens["access_token"]))
        assert me.json()["email_verified"] is False, "a GET on the link verifies nothing"

        verified = await client.post("/verify-email", json={"token": _token(link)})
        assert verified.status_code == 200
        assert verified.json()["username"] == "alice" and verified.json()["email_verified"] is True
        again = await client.post("/verify-email", json={"token": _token(link)})
        assert (again.status_code, again.json()) == (400, INVALID)


async def test_forged_and_expired_verification_tokens_are_400(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    clock = Clock()
    async with serve(make_settings(tmp_path, smtp_url=url, public_url=PUBLIC_URL), clock=clock) as (
        _,
        client,
    ):
        await register(client, "alice", email="alice@example.com")
        token = _token(link_in((await inbox.wait_for(1))[0], VERIFY))
        forged = await client.post(
            "/verify-email", json={"token": token[:-2] + ("yy" if token.endswith("xx") else "xx")}
        )
        assert (forged.status_code, forged.json()) == (400, INVALID)
        clock.advance(hours=48, seconds=1)
        expired = await client.post("/verify-email", json={"token": token})
        assert (expired.status_code, expired.json()) == (400, INVALID)
        assert not (await User.get(username_key="alice")).email_verified


async def test_a_changed_address_voids_its_old_link_and_the_old_address_gets_a_notice(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    async with serve(make_settings(tmp_path, smtp_url=url, public_url=PUBLIC_URL)) as (_, client):
        tokens = await logged_in(client, email="old@example.com")
        first = _token(link_in((await inbox.wait_for(1))[0], VERIFY))
        assert (await client.post("/verify-email", json={"token": first})).status_code == 200
        await client.patch(
            "/user/me", json={"email": "stale@example.com"}, headers=bearer(tokens["access_token"])
        )
        stale = _token(link_in((await inbox.wait_for(3))[2], VERIFY))
        changed = await client.patch(
            "/user/me", json={"email": "new@example.com"}, headers=bearer(tokens["access_token"])
        )
        assert changed.status_code == 200 and changed.json()["email_verified"] is False
        mails = await inbox.wait_for(4)
        # the verified old address was told; the unverified one in between was not
        assert [(m["To"], m["Subject"]) for m in mails] == [
            ("old@example.com", "Confirm your e-mail address"),
            ("old@example.com", "Your e-mail address was changed"),
            ("stale@example.com", "Confirm your e-mail address"),
            ("new@example.com", "Confirm your e-mail address"),
        ]
        voided = await client.post("/verify-email", json={"token": stale})
        assert (voided.status_code, voided.json()) == (400, INVALID)
        assert (await client.post("/verify-email", json={"token": _token(link_in(mails[3], VERIFY))})).json()[
            "email_verified"
        ] is True


async def test_links_come_from_public_url_never_from_the_host_header(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    async with serve(make_settings(tmp_path, smtp_url=url, public_url=PUBLIC_URL)) as (_, client):
        await client.post(
            "/register",
            json={"username": "alice", "password": "violet-Staircase-42", "email": "alice@example.com"},
            headers={"Host": "evil.example"},
        )
        [mail] = await inbox.wait_for(1)
        assert link_in(mail, VERIFY).startswith(VERIFY)
        assert "evil.example" not in mail.as_string()


async def test_resend_is_202_three_times_an_hour_then_429(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    clock = Clock()
    async with serve(make_settings(tmp_path, smtp_url=url), clock=clock) as (_, client):
        tokens = await logged_in(client, email="alice@example.com")
        for _ in range(3):
            response = await client.post("/verify-email/resend", headers=bearer(tokens["access_token"]))
            assert (response.status_code, response.json()) == (202, {"detail": "Verification e-mail sent"})
        refused = await client.post("/verify-email/resend", headers=bearer(tokens["access_token"]))
        assert refused.status_code == 429
        assert 3500 <= int(refused.headers["retry-after"]) <= 3600
        assert len(await inbox.wait_for(4)) == 4
        clock.advance(hours=1, seconds=1)
        assert (
            await client.post("/verify-email/resend", headers=bearer(tokens["access_token"]))
        ).status_code == 202


async def test_resend_without_an_address_or_once_verified_is_400(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    async with serve(make_settings(tmp_path, smtp_url=url, public_url=PUBLIC_URL)) as (_, client):
        bare = await logged_in(client, "bob")
        response = await client.post("/verify-email/resend", headers=bearer(bare["access_token"]))
        assert (response.status_code, response.json()) == (400, {"detail": "No e-mail address"})
        alice = await logged_in(client, email="alice@example.com")
        await client.post(
            "/verify-email", json={"token": _token(link_in((await inbox.wait_for(1))[0], VERIFY))}
        )
        response = await client.post("/verify-email/resend", headers=bearer(alice["access_token"]))
        assert (response.status_code, response.json()) == (400, {"detail": "E-mail already verified"})


async def test_require_verified_email_needs_an_address_and_a_verified_one_to_log_in(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = make_settings(tmp_path, smtp_url=url, public_url=PUBLIC_URL, require_verified_email=True)
    async with serve(settings) as (_, client):
        missing = await register(client, "bob")
        assert missing.status_code == 422
        assert [error["loc"] for error in missing.json()["detail"]] == [["body", "email"]]
        assert (await register(client, "alice", email="alice@example.com")).status_code == 201
        refused = await login(client, "alice")
        assert refused.status_code == 400
        assert refused.json() == {
            "error": "invalid_grant",
            "error_description": "Email not verified",
            "detail": "Email not verified",
        }
        await client.post(
            "/verify-email", json={"token": _token(link_in((await inbox.wait_for(1))[0], VERIFY))}
        )
        assert (await login(client, "alice")).status_code == 200


async def test_mail_goes_over_starttls_when_smtp_url_requires_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context, certificate = self_signed_tls(tmp_path)
    # the client trusts the test's own certificate, as it would a real CA's
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    port = free_port()
    with smtp_server(port, tls=context) as inbox:
        settings = make_settings(tmp_path, smtp_url=f"smtp+starttls://localhost:{port}")
        async with serve(settings) as (_, client):
            await register(client, "alice", email="alice@example.com")
            [mail] = await inbox.wait_for(1)
    assert mail["To"] == "alice@example.com"
    assert inbox.tls == [True]


async def test_without_smtp_url_mails_go_to_the_log_and_to_eml_files_on_sqlite_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="api.mail")
    async with serve(make_settings(tmp_path, public_url=PUBLIC_URL)) as (app, client):
        await register(client, "alice", email="alice@example.com")
        await deliver_now(app)
        if ON_POSTGRES:
            # a shared database: the mail waits for a node with SMTP_URL, not in this node's folder
            assert await OutboxMail.filter(sent_at=None).count() == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    if ON_POSTGRES:
        assert not (tmp_path / "data" / "mail").exists()
        assert "no SMTP_URL: this node sends no mail, and leaves the outbox to the nodes that have" in logged
        return
    [eml] = (tmp_path / "data" / "mail").glob("*.eml")
    assert eml.read_bytes().startswith(b"From: Auth service <no-reply@localhost>")
    assert "mail to alice@example.com: Confirm your e-mail address" in logged
    assert f"\n{VERIFY}" in logged


async def test_the_verification_page_button_verifies(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    async with serve(make_settings(tmp_path, smtp_url=url, public_url=PUBLIC_URL)) as (_, client):
        await register(client, "alice", email="alice@example.com")
        token = _token(link_in((await inbox.wait_for(1))[0], VERIFY))
        origin = {"Origin": "http://testserver", "Accept": "text/html"}
        response = await client.post("/verify-email/form", data={"token": token}, headers=origin)
        assert response.status_code == 200 and "Your e-mail address is verified" in response.text
        again = await client.post("/verify-email/form", data={"token": token}, headers=origin)
        assert again.status_code == 400 and "Invalid or expired token" in again.text


async def test_no_mail_goes_to_a_disabled_account(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    async with serve(make_settings(tmp_path, smtp_url=url)) as (app, client):
        await register(client, "alice", email="alice@example.com")
        await inbox.wait_for(1)
        async with direct_writes(client):
            await User.filter(username_key="alice").update(disabled=True)
        response = await client.post("/forgot-password", json={"email": "alice@example.com"})
        assert response.status_code == 202
        await deliver_now(app)
        assert await OutboxMail.all().count() == 1 and len(inbox.messages) == 1
