"""What the service counts of its own doings: logins by outcome, registrations, password hash times."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pyotp
import pytest

from api.observability import metrics

from .conftest import PASSWORD, login, register
from .forms import BROWSER
from .scrapes import metrics_client, sample, scrape


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with metrics_client(tmp_path) as client:
        yield client


@pytest.mark.parametrize(
    ("password", "status", "outcome"), [(PASSWORD, 200, "success"), ("wrong-Password-1", 400, "failure")]
)
async def test_login_counts_under_its_outcome(
    client: httpx.AsyncClient, password: str, status: int, outcome: str
) -> None:
    assert (await register(client)).status_code == 201
    before = await scrape(client)
    assert (await login(client, password=password)).status_code == status
    after = await scrape(client)
    name = "auth_logins_total"
    assert sample(after, name, outcome=outcome) - sample(before, name, outcome=outcome) == 1
    others = [o for o in metrics.LOGIN_OUTCOMES if o != outcome]
    assert [sample(after, name, outcome=o) - sample(before, name, outcome=o) for o in others] == [0] * len(
        others
    )


async def test_a_refresh_is_not_counted_as_a_login(client: httpx.AsyncClient) -> None:
    assert (await register(client)).status_code == 201
    refresh_token = (await login(client)).json()["refresh_token"]
    before = await scrape(client)
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    assert (await client.post("/token", data=form)).status_code == 200
    after = await scrape(client)
    assert sample(after, "auth_logins_total", outcome="success") == sample(
        before, "auth_logins_total", outcome="success"
    )


async def test_each_created_account_counts_once_as_a_registration(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    assert (await register(client, "alice")).status_code == 201
    assert (await register(client, "alice")).status_code == 409
    page_form = {"username": "bob", "password": PASSWORD}
    assert (await client.post("/register/form", data=page_form, headers=BROWSER)).status_code == 303
    after = await scrape(client)
    name = "auth_registrations_total"
    assert sample(after, name) - sample(before, name) == 2


async def test_a_login_times_one_password_verification(client: httpx.AsyncClient) -> None:
    assert (await register(client)).status_code == 201
    before = await scrape(client)
    assert (await login(client)).status_code == 200
    after = await scrape(client)
    name = "auth_password_hash_seconds_count"
    assert sample(after, name) - sample(before, name) == 1
    assert sample(after, "auth_password_hash_seconds_sum") > sample(before, "auth_password_hash_seconds_sum")


async def test_a_login_waiting_for_its_second_factor_counts_as_mfa_required(
    client: httpx.AsyncClient,
) -> None:
    assert (await register(client)).status_code == 201
    token = (await login(client)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    secret = (await client.post("/user/me/mfa/totp", json={"password": PASSWORD}, headers=headers)).json()[
        "secret"
    ]
    confirmed = await client.post(
        "/user/me/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=headers
    )
    assert confirmed.status_code == 200
    before = await scrape(client)
    assert (await login(client)).status_code == 403
    assert (await login(client, otp="000000")).status_code == 400
    after = await scrape(client)
    name = "auth_logins_total"
    changes = {
        o: sample(after, name, outcome=o) - sample(before, name, outcome=o) for o in metrics.LOGIN_OUTCOMES
    }
    assert changes == {o: 1 if o in ("mfa_required", "mfa_failure") else 0 for o in metrics.LOGIN_OUTCOMES}
