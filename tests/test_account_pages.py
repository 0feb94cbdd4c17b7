"""The account page and the login's second step over HTTP, as a browser's forms send them."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pyotp
import pytest

from .conftest import PASSWORD, Clock, admin_token, bearer, make_settings, register, serve
from .forms import BROWSER, browser_login, csrf_of

NEW_PASSWORD = "amber-Lighthouse-77"


@pytest.fixture
async def clock_and_client(tmp_path: Path) -> AsyncIterator[tuple[Clock, httpx.AsyncClient]]:
    clock = Clock()
    async with serve(make_settings(tmp_path), base_url="https://testserver", clock=clock) as (_, client):
        assert (await register(client)).status_code == 201
        assert (await browser_login(client)).status_code == 303
        yield clock, client


async def account(client: httpx.AsyncClient) -> str:
    page = await client.get("/account")
    assert page.status_code == 200, page.text
    return page.text


async def post(client: httpx.AsyncClient, path: str, **form: str) -> httpx.Response:
    """A form of the account page, sent with the page's CSRF token."""
    token = csrf_of(await account(client))
    return await client.post(path, data={"csrf_token": token, **form}, headers=BROWSER)


async def turn_on(clock: Clock, client: httpx.AsyncClient) -> tuple[str, list[str]]:
    """Set two-factor up from the page; the secret and the recovery codes it showed."""
    setup = await post(client, "/account/mfa/setup", password=PASSWORD)
    assert setup.status_code == 200
    match = re.search(r'<code class="secret">([A-Z2-7]+)</code>', setup.text)
    assert match is not None and "<svg" in setup.text
    secret = match.group(1)
    confirmed = await post(client, "/account/mfa/confirm", code=pyotp.TOTP(secret).at(clock.now))
    assert confirmed.status_code == 200
    assert "Two-factor authentication is on." in confirmed.text
    codes = re.findall(r"<li><code>([a-z0-9-]{19})</code></li>", confirmed.text)
    clock.advance(seconds=30)
    return secret, codes


async def test_anonymous_visitors_go_to_the_login_page_first(client: httpx.AsyncClient) -> None:
    response = await client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"


async def test_account_forms_without_the_csrf_token_are_refused(
    clock_and_client: tuple[Clock, httpx.AsyncClient],
) -> None:
    _, client = clock_and_client
    response = await client.post("/account/profile", data={"full_name": "Mallory"}, headers=BROWSER)
    assert response.status_code == 403
    assert "Mallory" not in await account(client)


async def test_the_page_saves_the_profile(clock_and_client: tuple[Clock, httpx.AsyncClient]) -> None:
    _, client = clock_and_client
    saved = await post(client, "/account/profile", email="alice@example.com", full_name="Alice Liddell")
    assert (saved.status_code, saved.headers["location"]) == (303, "/account?done=profile")
    page = await client.get(saved.headers["location"])
    assert "Profile saved." in page.text and 'value="Alice Liddell"' in page.text
    wrong = await post(client, "/account/profile", email="not an address")
    assert wrong.status_code == 422 and "That is not an e-mail address." in wrong.text


async def test_changing_the_password_keeps_this_browser_logged_in(
    clock_and_client: tuple[Clock, httpx.AsyncClient],
) -> None:
    _, client = clock_and_client
    wrong = await post(
        client, "/account/password", current_password="nope-" + PASSWORD, new_password=NEW_PASSWORD
    )
    changed = await post(client, "/account/password", current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert wrong.status_code == 400 and "Incorrect password" in wrong.text
    assert (changed.status_code, changed.headers["location"]) == (303, "/account?done=password")
    assert "Password changed" in (await client.get("/account?done=password")).text
    assert (await client.post("/token", data={"username": "alice", "password": PASSWORD})).status_code == 400


async def test_the_sessions_list_marks_this_one_and_ends_another(
    clock_and_client: tuple[Clock, httpx.AsyncClient],
) -> None:
    _, client = clock_and_client
    other = (await client.post("/token", data={"username": "alice", "password": PASSWORD})).json()[
        "access_token"
    ]
    page = await account(client)
    assert page.count('<li class="session') == 2 and "This browser" in page
    ends = re.findall(r'action="(/account/sessions/[0-9a-f-]+/end)"', page)
    current = re.search(
        r'class="session current".*?action="(/account/sessions/[0-9a-f-]+/end)"', page, re.DOTALL
    )
    assert current is not None
    (other_end,) = [action for action in ends if action != current.group(1)]
    ended = await post(client, other_end)
    assert (ended.status_code, ended.headers["location"]) == (303, "/account")
    assert (await client.get("/user/me", headers=bearer(other))).status_code == 401
    assert (await account(client)).count('<li class="session') == 1


async def test_ending_this_browsers_own_session_logs_out_and_clears_the_cookie(
    clock_and_client: tuple[Clock, httpx.AsyncClient],
) -> None:
    _, client = clock_and_client
    page = await account(client)
    current = re.search(
        r'class="session current".*?action="(/account/sessions/[0-9a-f-]+/end)"', page, re.DOTALL
    )
    assert current is not None
    ended = await post(client, current.group(1))
    assert (ended.status_code, ended.headers["location"]) == (303, "/")
    assert 'auth_token=""' in ended.headers["set-cookie"]
    assert (await client.get("/account")).status_code == 303


async def test_two_factor_from_the_page_then_the_login_asks_for_the_code(
    clock_and_client: tuple[Clock, httpx.AsyncClient],
) -> None:
    clock, client = clock_and_client
    secret, codes = await turn_on(clock, client)
    assert len(codes) == 10
    step = await browser_login(client, next="/account")
    assert step.status_code == 200 and "Enter your code" in step.text
    mfa_token = re.search(r'name="mfa_token" value="([^"]+)"', step.text)
    assert mfa_token is not None
    form = {"grant_type": "mfa_otp", "mfa_token": mfa_token.group(1), "next": "/account"}
    wrong = await client.post("/token", data={**form, "otp": "000000"}, headers=BROWSER)
    assert wrong.status_code == 400 and "Invalid one-time code" in wrong.text
    assert mfa_token.group(1) in wrong.text, "the same step again, with the same token"
    right = await client.post(
        "/token", data={**form, "otp": pyotp.TOTP(secret).at(clock.now)}, headers=BROWSER
    )
    assert (right.status_code, right.headers["location"]) == (303, "/account")
    assert "auth_token=" in right.headers["set-cookie"]


async def test_the_page_makes_new_recovery_codes_and_turns_two_factor_off(
    clock_and_client: tuple[Clock, httpx.AsyncClient],
) -> None:
    clock, client = clock_and_client
    _, codes = await turn_on(clock, client)
    fresh = await post(client, "/account/mfa/recovery-codes", password=PASSWORD)
    new_codes = re.findall(r"<li><code>([a-z0-9-]{19})</code></li>", fresh.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    off = await post(client, "/account/mfa/disable", password=PASSWORD)
    assert off.status_code == 200 and "Two-factor authentication is off." in off.text
    assert 'id="set-up-mfa"' in off.text
    assert (await client.post("/token", data={"username": "alice", "password": PASSWORD})).status_code == 200


async def test_a_wrong_first_code_shows_the_same_secret_again(
    clock_and_client: tuple[Clock, httpx.AsyncClient],
) -> None:
    clock, client = clock_and_client
    setup = await post(client, "/account/mfa/setup", password=PASSWORD)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', setup.text)
    assert secret is not None
    wrong = await post(
        client, "/account/mfa/confirm", code=pyotp.TOTP(secret.group(1)).at(clock.now.timestamp() + 600)
    )
    assert wrong.status_code == 400 and "Invalid code" in wrong.text
    assert secret.group(1) in wrong.text


async def test_deleting_the_account_from_the_page_logs_out(
    clock_and_client: tuple[Clock, httpx.AsyncClient],
) -> None:
    _, client = clock_and_client
    wrong = await post(client, "/account/delete", password="nope-" + PASSWORD)
    deleted = await post(client, "/account/delete", password=PASSWORD)
    assert wrong.status_code == 400
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/")
    assert (await client.post("/token", data={"username": "alice", "password": PASSWORD})).status_code == 400


async def test_an_admin_without_two_factor_is_told_to_set_it_up(tmp_path: Path) -> None:
    async with serve(
        make_settings(tmp_path, mfa_required_for_admins=True), base_url="https://testserver"
    ) as (
        _,
        client,
    ):
        await admin_token(client)
        assert (await browser_login(client, "root")).status_code == 303
        page = await account(client)
    assert "Administrators must turn on two-factor authentication" in page
