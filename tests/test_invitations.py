"""Invitations: an administrator invites an address, whose mailed link makes the account."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.db.models import AuditEvent, User
from api.services import users

from .conftest import PASSWORD, Clock, bearer, direct_writes, login, make_settings, serve, stored_audit
from .forms import BROWSER
from .smtp import Inbox, link_in

PUBLIC_URL = "https://auth.example.test"
LINK = f"{PUBLIC_URL}/accept-invitation?token="
INVALID = {"detail": "Invalid or expired invitation"}
TAKEN = {"detail": "The address has an account or a pending invitation"}


@dataclass
class Invitations:
    """The app with registration closed and real SMTP, an administrator's bearer header, and the inbox."""

    app: FastAPI
    client: httpx.AsyncClient
    headers: dict[str, str]
    inbox: Inbox
    clock: Clock
    admin_id: int

    async def invite(self, email: str = "carol@example.com", **extra: Any) -> httpx.Response:
        return await self.client.post("/invitations", json={"email": email, **extra}, headers=self.headers)

    async def token(self, count: int = 1) -> str:
        """The token of the `count`th mail's link."""
        return link_in((await self.inbox.wait_for(count))[count - 1], LINK).removeprefix(LINK)

    async def accept(self, token: str, username: str = "carol", password: str = PASSWORD) -> httpx.Response:
        body = {"token": token, "username": username, "password": password}
        return await self.client.post("/accept-invitation", json=body)


@pytest.fixture
async def invitations(tmp_path: Path, smtp: tuple[str, Inbox]) -> AsyncIterator[Invitations]:
    url, inbox = smtp
    clock = Clock()
    settings = make_settings(tmp_path, smtp_url=url, public_url=PUBLIC_URL, registration_open=False)
    async with serve(settings, base_url="https://testserver", clock=clock) as (app, client):
        async with direct_writes(client):
            # registration is closed: the administrator is made straight in the database
            root = await users.register(
                username="root",
                password=PASSWORD,
                email=None,
                full_name=None,
                hasher=app.state.auth.hasher,
                min_password_length=8,
            )
            await User.filter(id=root.id).update(is_admin=True)
        token = (await login(client, "root")).json()["access_token"]
        yield Invitations(app, client, bearer(token), inbox, clock, root.id)


async def test_an_invitation_accepted_from_the_mailed_link_makes_the_account_as_invited(
    invitations: Invitations,
) -> None:
    client = invitations.client
    assert (
        await client.post("/roles", json={"name": "billing"}, headers=invitations.headers)
    ).status_code == 201
    sent = await invitations.invite(is_admin=True, roles=["billing"])
    assert sent.status_code == 201, sent.text
    assert set(sent.json()) == {"id", "email", "expires_at"} and sent.json()["email"] == "carol@example.com"
    mail = (await invitations.inbox.wait_for(1))[0]
    assert mail["To"] == "carol@example.com"
    token = await invitations.token()

    page = await client.get(f"/accept-invitation?token={token}")
    assert page.status_code == 200 and 'action="/accept-invitation/form"' in page.text
    accepted = await invitations.accept(token)
    assert accepted.status_code == 201, accepted.text
    carol = accepted.json()
    assert (carol["username"], carol["email"]) == ("carol", "carol@example.com")
    assert carol["email_verified"] is True and carol["is_admin"] is True
    roles = await client.get(f"/users/{carol['id']}/roles", headers=invitations.headers)
    assert roles.json()["direct"] == ["billing"]
    assert (await login(client, "carol")).status_code == 200
    assert (await invitations.accept(token, username="carol2")).json() == INVALID
    assert (await client.get("/invitations", headers=invitations.headers)).json() == []


async def test_invitation_events_carry_the_inviting_administrator(invitations: Invitations) -> None:
    invitation_id = (await invitations.invite()).json()["id"]
    carol_id = (await invitations.accept(await invitations.token())).json()["id"]
    await stored_audit(invitations.client)

    stored = await AuditEvent.filter(event__startswith="invitation_").order_by("id")
    assert [(event.event, event.user_id, event.actor_id) for event in stored] == [
        ("invitation_sent", None, invitations.admin_id),
        ("invitation_accepted", carol_id, invitations.admin_id),
    ]
    assert stored[0].details["invitation"] == invitation_id


async def test_an_invitation_is_accepted_from_its_page(invitations: Invitations) -> None:
    await invitations.invite()
    form = {"token": await invitations.token(), "username": "carol", "password": PASSWORD}
    page = await invitations.client.post("/accept-invitation/form", data=form, headers=BROWSER)
    assert page.status_code == 200 and "Your account carol is ready." in page.text
    assert (await login(invitations.client, "carol")).status_code == 200


async def test_the_page_refuses_a_weak_password_and_keeps_the_link_working(invitations: Invitations) -> None:
    await invitations.invite()
    token = await invitations.token()
    form = {"token": token, "username": "carol", "password": "password"}
    page = await invitations.client.post("/accept-invitation/form", data=form, headers=BROWSER)
    assert page.status_code == 422 and 'role="alert"' in page.text
    assert (await invitations.accept(token, password="password")).status_code == 422
    assert (await invitations.accept(token)).status_code == 201


async def test_a_revoked_invitation_no_longer_works(invitations: Invitations) -> None:
    invitation_id = (await invitations.invite()).json()["id"]
    listed = (await invitations.client.get("/invitations", headers=invitations.headers)).json()
    assert [item["id"] for item in listed] == [invitation_id]
    revoked = await invitations.client.delete(f"/invitations/{invitation_id}", headers=invitations.headers)
    assert revoked.status_code == 204
    again = await invitations.client.delete(f"/invitations/{invitation_id}", headers=invitations.headers)
    assert again.status_code == 404
    assert (await invitations.accept(await invitations.token())).json() == INVALID
    assert (await invitations.invite()).status_code == 201, "a revoked invitation is no longer pending"


async def test_an_invitation_expires_after_invitation_expire_hours(invitations: Invitations) -> None:
    await invitations.invite()
    token = await invitations.token()
    invitations.clock.advance(hours=72, seconds=1)
    response = await invitations.accept(token)
    assert (response.status_code, response.json()) == (400, INVALID)


async def test_an_unknown_token_is_an_invalid_invitation(invitations: Invitations) -> None:
    response = await invitations.accept("not-a-token")
    assert (response.status_code, response.json()) == (400, INVALID)


async def test_an_address_with_an_account_or_a_pending_invitation_is_a_409(invitations: Invitations) -> None:
    assert (await invitations.invite()).status_code == 201
    response = await invitations.invite()
    assert (response.status_code, response.json()) == (409, TAKEN)
    async with direct_writes(invitations.client):
        await User.filter(username_key="root").update(email="root@example.com")
    assert (await invitations.invite("root@example.com")).json() == TAKEN


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-address"},
        {"email": "a@example.com", "roles": ["nope"]},
        {"email": "a@example.com", "is_admin": 0},
    ],
)
async def test_a_bad_address_or_an_unknown_role_is_a_422(
    invitations: Invitations, body: dict[str, Any]
) -> None:
    response = await invitations.client.post("/invitations", json=body, headers=invitations.headers)
    assert response.status_code == 422
    assert (await invitations.client.get("/invitations", headers=invitations.headers)).json() == []


async def test_a_taken_username_is_the_same_409_as_register(invitations: Invitations) -> None:
    await invitations.invite()
    response = await invitations.accept(await invitations.token(), username="ROOT")
    assert (response.status_code, response.json()) == (409, {"detail": "Username already registered"})


async def test_only_administrators_invite(invitations: Invitations) -> None:
    await invitations.invite()
    await invitations.accept(await invitations.token())
    carol = bearer((await login(invitations.client, "carol")).json()["access_token"])
    response = await invitations.client.post("/invitations", json={"email": "d@example.com"}, headers=carol)
    assert response.status_code == 403
    assert (await invitations.client.get("/invitations", headers=carol)).status_code == 403
    assert (await invitations.client.delete("/invitations/1", headers=carol)).status_code == 403
