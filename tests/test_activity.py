"""A user's own security activity: GET /user/me/activity and the account page's recent activity."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from api.db.models import AuditEvent

from .clients import Registered, admin_session
from .conftest import PASSWORD, bearer, login, make_settings, register, serve, stored_audit
from .forms import BROWSER, browser_login

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
)
NEW_PASSWORD = "quiet-Harbour-lights-7"


async def activity(client: httpx.AsyncClient, token: str, **params: int) -> list[dict[str, object]]:
    await stored_audit(client)
    response = await client.get("/user/me/activity", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_activity_shows_the_users_own_sign_ins_and_changes_newest_first(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "alice")
    await register(client, "bob")
    await login(client, "bob", "wrong-password")
    await client.post(
        "/token", data={"username": "alice", "password": "nope"}, headers={"User-Agent": CHROME}
    )
    token = (await login(client, "alice")).json()["access_token"]
    changed = await client.post(
        "/user/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )
    assert changed.status_code == 204, changed.text
    token = (await login(client, "alice", NEW_PASSWORD)).json()["access_token"]
    await client.patch("/user/me", json={"email": "alice@example.com"}, headers=bearer(token))

    items = await activity(client, token)
    assert [(item["event"], item["outcome"]) for item in items] == [
        ("email_change", "success"),
        ("login", "success"),
        ("password_change", "success"),
        ("login", "success"),
        ("login", "failure"),
    ]
    assert items[-1]["user_agent"] == "Chrome 156 on Linux"
    assert items[-1]["ip"] == "127.0.0.1" and items[-1]["client_name"] is None
    assert set(items[0]) == {"at", "event", "outcome", "ip", "user_agent", "client_name"}


async def test_activity_leaves_out_what_is_no_security_event(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    tokens = (await login(client, "alice")).json()
    refreshed = await client.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200

    items = await activity(client, refreshed.json()["access_token"], limit=1)
    assert [item["event"] for item in items] == ["login"]


async def test_activity_names_the_app_an_event_concerns(tmp_path: Path) -> None:
    async with admin_session(tmp_path) as admin:
        await names_the_app(admin.client, await admin.create(name="Billing"))


async def names_the_app(client: httpx.AsyncClient, app: Registered) -> None:
    user_id = (await register(client, "alice")).json()["id"]
    token = (await login(client, "alice")).json()["access_token"]
    await AuditEvent.create(
        at=datetime.now(UTC) + timedelta(minutes=1),
        event="authorization",
        outcome="consent",
        user_id=user_id,
        client_id=app.client_id,
    )

    [allowed, *_] = await activity(client, token)
    assert allowed["event"] == "authorization" and allowed["client_name"] == "Billing"


async def test_the_account_page_shows_the_recent_activity_with_readable_browsers(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path), base_url="https://testserver") as (_, client):
        await shows_recent_activity(client)


async def shows_recent_activity(client: httpx.AsyncClient) -> None:
    await register(client)
    assert (await browser_login(client)).status_code == 303
    await client.post(
        "/token", data={"username": "alice", "password": "nope"}, headers={"User-Agent": CHROME}
    )
    await stored_audit(client)

    page = await client.get("/account", headers=BROWSER)
    assert page.status_code == 200
    recent = page.text.split("Recent security activity", 1)[1].split("</section>", 1)[0]
    assert "Login (failure)" in recent and "Chrome 156 on Linux" in recent
    assert CHROME not in page.text
