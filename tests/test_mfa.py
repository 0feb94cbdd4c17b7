"""Two-factor authentication through the API: enrolment, the login's second step, codes, resets."""

import base64
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from api.db.models import RecoveryCode, TotpSecret

from .conftest import PASSWORD, Clock, admin_token, bearer, logged_in, login, make_settings, me_status, serve
from .smtp import Inbox
from .test_audit import audit_lines
from .test_password_reset import NEW_PASSWORD, PUBLIC_URL, _reset_token

MFA_REQUIRED = {"error": "mfa_required", "error_description": "Two-factor authentication required"}
INVALID_OTP = {
    "error": "invalid_grant",
    "error_description": "Invalid one-time code",
    "detail": "Invalid one-time code",
}


@dataclass
class Enrolled:
    """A user with two-factor on: the app, its clock, the TOTP secret and the recovery codes."""

    client: httpx.AsyncClient
    clock: Clock
    secret: str
    codes: list[str]
    access_token: str

    def code(self, steps: int = 0) -> str:
        """The TOTP code at the app's clock, `steps` steps of 30 s away."""
        return pyotp.TOTP(self.secret).at(self.clock.now.timestamp() + 30 * steps)

    def next_step(self) -> None:
        """Move to the next time step, so that a fresh code is not a replay."""
        self.clock.advance(seconds=30)


async def enrol(client: httpx.AsyncClient, clock: Clock, access_token: str) -> Enrolled:
    """Set up and confirm TOTP for the owner of `access_token`."""
    began = await client.post("/user/me/mfa/totp", json={"password": PASSWORD}, headers=bearer(access_token))
    assert began.status_code == 200, began.text
    secret = began.json()["secret"]
    confirmed = await client.post(
        "/user/me/mfa/totp/confirm",
        json={"code": pyotp.TOTP(secret).at(clock.now)},
        headers=bearer(access_token),
    )
    assert confirmed.status_code == 200, confirmed.text
    enrolled = Enrolled(client, clock, secret, confirmed.json()["recovery_codes"], access_token)
    enrolled.next_step()
    return enrolled


@pytest.fixture
async def alice(tmp_path: Path) -> AsyncIterator[Enrolled]:
    """alice, with two-factor on (the login throttle generous, so the mfa_token's own limits show)."""
    clock = Clock()
    async with serve(make_settings(tmp_path, login_max_failures=50), clock=clock) as (_, client):
        yield await enrol(client, clock, (await logged_in(client))["access_token"])


async def second_step(client: httpx.AsyncClient, mfa_token: str, otp: str) -> httpx.Response:
    return await client.post("/token", data={"grant_type": "mfa_otp", "mfa_token": mfa_token, "otp": otp})


async def mfa_token(client: httpx.AsyncClient) -> str:
    response = await login(client, "alice")
    assert response.status_code == 403, response.text
    token: str = response.json()["mfa_token"]
    return token


async def test_enrolment_shows_a_secret_uri_and_qr_code_not_yet_in_force(client: httpx.AsyncClient) -> None:
    token = (await logged_in(client))["access_token"]
    began = await client.post("/user/me/mfa/totp", json={"password": PASSWORD}, headers=bearer(token))
    assert began.status_code == 200
    body = began.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    assert base64.b32decode(body["secret"])
    assert (
        body["otpauth_uri"].startswith("otpauth://totp/")
        and f"secret={body['secret']}" in body["otpauth_uri"]
    )
    assert body["qr_svg"].startswith("<svg")
    me = (await client.get("/user/me", headers=bearer(token))).json()
    assert me["mfa_enabled"] is False
    assert (await login(client, "alice")).status_code == 200, "a pending secret does not guard the login"
    stored = await TotpSecret.get(user_id=me["id"])
    assert body["secret"] not in stored.sealed_secret
    assert body["secret"].encode() not in base64.b64decode(stored.sealed_secret)


async def test_enrolment_with_a_wrong_password_is_400(client: httpx.AsyncClient) -> None:
    token = (await logged_in(client))["access_token"]
    response = await client.post(
        "/user/me/mfa/totp", json={"password": "wrong-" + PASSWORD}, headers=bearer(token)
    )
    assert (response.status_code, response.json()) == (400, {"detail": "Incorrect password"})


async def test_a_wrong_confirmation_code_is_400_and_leaves_two_factor_off(tmp_path: Path) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path), clock=clock) as (_, client):
        token = (await logged_in(client))["access_token"]
        secret = (
            await client.post("/user/me/mfa/totp", json={"password": PASSWORD}, headers=bearer(token))
        ).json()["secret"]
        wrong = pyotp.TOTP(secret).at(clock.now.timestamp() + 300)
        response = await client.post("/user/me/mfa/totp/confirm", json={"code": wrong}, headers=bearer(token))
        me = (await client.get("/user/me", headers=bearer(token))).json()
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid code"})
    assert me["mfa_enabled"] is False


async def test_confirming_turns_two_factor_on_gives_ten_codes_and_ends_other_sessions(tmp_path: Path) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path), clock=clock) as (_, client):
        token = (await logged_in(client))["access_token"]
        other = (await login(client, "alice")).json()["access_token"]
        enrolled = await enrol(client, clock, token)
        statuses = [await me_status(client, token), await me_status(client, other)]
        me = (await client.get("/user/me", headers=bearer(token))).json()
        again = await client.post("/user/me/mfa/totp", json={"password": PASSWORD}, headers=bearer(token))
        stored = await RecoveryCode.filter(user_id=me["id"]).values_list("code_hash", flat=True)
    assert len(enrolled.codes) == len(set(enrolled.codes)) == 10
    assert statuses == [200, 401]
    assert me["mfa_enabled"] is True
    assert (again.status_code, again.json()) == (409, {"detail": "Two-factor authentication is already on"})
    assert len(stored) == 10 and not set(enrolled.codes) & {str(value) for value in stored}


async def test_the_password_alone_is_403_mfa_required_with_an_mfa_token(alice: Enrolled) -> None:
    response = await login(alice.client, "alice")
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"error", "error_description", "detail", "mfa_token"}
    assert {key: body[key] for key in MFA_REQUIRED} == MFA_REQUIRED
    assert body["detail"] == "Two-factor authentication required"
    assert response.headers["cache-control"] == "no-store"
    assert "access_token" not in body


async def test_the_second_step_with_the_code_gives_the_usual_tokens(alice: Enrolled) -> None:
    response = await second_step(alice.client, await mfa_token(alice.client), alice.code())
    assert response.status_code == 200
    assert set(response.json()) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert await me_status(alice.client, response.json()["access_token"]) == 200


async def test_the_code_in_the_password_grant_saves_the_round_trip(alice: Enrolled) -> None:
    response = await login(alice.client, "alice", otp=alice.code())
    assert response.status_code == 200
    assert await me_status(alice.client, response.json()["access_token"]) == 200


async def test_a_wrong_code_is_400_invalid_grant(alice: Enrolled) -> None:
    token = await mfa_token(alice.client)
    wrong = [
        await second_step(alice.client, token, alice.code(5)),
        await login(alice.client, "alice", otp="000000"),
    ]
    assert [(response.status_code, response.json()) for response in wrong] == [(400, INVALID_OTP)] * 2


@pytest.mark.parametrize("steps", [-1, 1])
async def test_one_step_of_clock_drift_either_way_is_accepted(alice: Enrolled, steps: int) -> None:
    alice.next_step()  # the step before is then later than the one the enrolment used
    response = await second_step(alice.client, await mfa_token(alice.client), alice.code(steps))
    assert response.status_code == 200


async def test_two_steps_of_drift_are_refused(alice: Enrolled) -> None:
    token = await mfa_token(alice.client)
    statuses = [(await second_step(alice.client, token, alice.code(steps))).status_code for steps in (-2, 2)]
    assert statuses == [400, 400]


async def test_a_code_that_worked_once_never_works_again(alice: Enrolled) -> None:
    code = alice.code()
    first = await second_step(alice.client, await mfa_token(alice.client), code)
    replayed = await second_step(alice.client, await mfa_token(alice.client), code)
    # nor does an earlier step's code, though it would be within the drift
    earlier = await second_step(alice.client, await mfa_token(alice.client), alice.code(-1))
    assert first.status_code == 200
    assert (replayed.status_code, replayed.json()) == (400, INVALID_OTP)
    assert earlier.status_code == 400


async def test_each_recovery_code_works_once(alice: Enrolled) -> None:
    code = alice.codes[3]
    first = await second_step(alice.client, await mfa_token(alice.client), code.upper().replace("-", " "))
    again = await second_step(alice.client, await mfa_token(alice.client), code)
    other = await login(alice.client, "alice", otp=alice.codes[4])
    assert first.status_code == 200
    assert (again.status_code, again.json()) == (400, INVALID_OTP)
    assert other.status_code == 200


async def test_new_recovery_codes_void_the_old_ones(alice: Enrolled) -> None:
    headers = bearer(alice.access_token)
    wrong = await alice.client.post(
        "/user/me/mfa/recovery-codes", json={"password": "nope-" + PASSWORD}, headers=headers
    )
    fresh = await alice.client.post(
        "/user/me/mfa/recovery-codes", json={"password": PASSWORD}, headers=headers
    )
    assert (wrong.status_code, wrong.json()) == (400, {"detail": "Incorrect password"})
    assert fresh.status_code == 200
    new_codes = fresh.json()["recovery_codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(alice.codes)
    assert (await login(alice.client, "alice", otp=alice.codes[0])).status_code == 400
    assert (await login(alice.client, "alice", otp=new_codes[0])).status_code == 200


async def test_the_mfa_token_expires_after_five_minutes(alice: Enrolled) -> None:
    token = await mfa_token(alice.client)
    alice.clock.advance(minutes=5, seconds=1)
    response = await second_step(alice.client, token, alice.code())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["detail"] == "Invalid or expired mfa_token"


async def test_the_mfa_token_dies_after_five_wrong_codes(alice: Enrolled) -> None:
    token = await mfa_token(alice.client)
    wrong = [(await second_step(alice.client, token, alice.code(10 + n))).status_code for n in range(5)]
    right = await second_step(alice.client, token, alice.code())
    assert wrong == [400] * 5
    assert right.json()["detail"] == "Invalid or expired mfa_token"
    # a new login gets a new token that works
    assert (await second_step(alice.client, await mfa_token(alice.client), alice.code())).status_code == 200


async def test_the_mfa_token_is_single_use(alice: Enrolled) -> None:
    token = await mfa_token(alice.client)
    assert (await second_step(alice.client, token, alice.code())).status_code == 200
    alice.next_step()
    again = await second_step(alice.client, token, alice.code())
    assert again.json()["detail"] == "Invalid or expired mfa_token"


async def test_wrong_codes_count_in_the_login_throttling(tmp_path: Path) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path), clock=clock) as (_, client):
        alice = await enrol(client, clock, (await logged_in(client))["access_token"])
        statuses = [(await login(client, "alice", otp=alice.code(10 + n))).status_code for n in range(5)]
        throttled = await login(client, "alice", otp=alice.code())
    assert statuses == [400] * 5
    assert throttled.status_code == 429 and "retry-after" in throttled.headers


async def test_refresh_needs_no_second_factor(alice: Enrolled) -> None:
    pair = (await login(alice.client, "alice", otp=alice.code())).json()
    refreshed = await alice.client.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    )
    assert refreshed.status_code == 200
    assert set(refreshed.json()) >= {"access_token", "refresh_token"}


async def test_turning_two_factor_off_needs_the_password_and_voids_the_codes(alice: Enrolled) -> None:
    headers = bearer(alice.access_token)
    wrong = await alice.client.request(
        "DELETE", "/user/me/mfa/totp", json={"password": "nope-" + PASSWORD}, headers=headers
    )
    off = await alice.client.request(
        "DELETE", "/user/me/mfa/totp", json={"password": PASSWORD}, headers=headers
    )
    me = (await alice.client.get("/user/me", headers=headers)).json()
    plain = await login(alice.client, "alice")
    assert (wrong.status_code, wrong.json()) == (400, {"detail": "Incorrect password"})
    assert off.status_code == 204
    assert me["mfa_enabled"] is False
    assert plain.status_code == 200
    assert await RecoveryCode.filter(user_id=me["id"]).count() == 0


async def test_an_admin_resets_a_lost_device(tmp_path: Path) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path), clock=clock) as (_, client):
        alice = await enrol(client, clock, (await logged_in(client))["access_token"])
        user_id = (await client.get("/user/me", headers=bearer(alice.access_token))).json()["id"]
        root = bearer(await admin_token(client))
        plain_user = await client.request(
            "DELETE", f"/users/{user_id}/mfa", headers=bearer(alice.access_token)
        )
        reset = await client.request("DELETE", f"/users/{user_id}/mfa", headers=root)
        unknown = await client.request("DELETE", "/users/9999/mfa", headers=root)
        plain = await login(client, "alice")
    assert plain_user.status_code == 403
    assert reset.status_code == 204
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "User not found"})
    assert plain.status_code == 200


async def test_a_password_change_leaves_two_factor_on(alice: Enrolled) -> None:
    changed = await alice.client.post(
        "/user/me/password",
        json={"current_password": PASSWORD, "new_password": "amber-Lighthouse-77"},
        headers=bearer(alice.access_token),
    )
    assert changed.status_code == 204
    response = await login(alice.client, "alice", "amber-Lighthouse-77")
    assert response.status_code == 403 and response.json()["error"] == "mfa_required"


async def test_admins_without_two_factor_lose_admin_when_it_is_required(tmp_path: Path) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path, mfa_required_for_admins=True), clock=clock) as (_, client):
        root = await admin_token(client)
        token = await client.post("/token", data={"username": "root", "password": PASSWORD})
        asked = await client.post("/token", data={"username": "root", "password": PASSWORD, "scope": "admin"})
        listing = await client.get("/users", headers=bearer(root))
        enrolled = await enrol(client, clock, token.json()["access_token"])
        after = await client.post(
            "/token", data={"username": "root", "password": PASSWORD, "otp": enrolled.code()}
        )
    assert token.json()["scope"] == "profile"
    assert (asked.status_code, asked.json()["error"]) == (400, "invalid_scope")
    assert listing.status_code == 403
    assert after.json()["scope"] == "admin profile"


async def test_two_factor_events_reach_the_audit_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="api.audit")
    clock = Clock()
    async with serve(make_settings(tmp_path), clock=clock) as (_, client):
        alice = await enrol(client, clock, (await logged_in(client))["access_token"])
        await login(client, "alice", otp=alice.code(9))
        await login(client, "alice", otp=alice.codes[0])
        await client.request(
            "DELETE", "/user/me/mfa/totp", json={"password": PASSWORD}, headers=bearer(alice.access_token)
        )
    events: list[dict[str, Any]] = [line for line in audit_lines(caplog) if line["event"] != "login"]
    names = [line["event"] for line in events]
    assert names == ["mfa_enabled", "mfa_failure", "recovery_code_used", "mfa_disabled"]
    assert all(line["user_id"] is not None for line in events)
    assert not any(code in caplog.text for code in alice.codes)
    assert alice.secret not in caplog.text


async def test_a_password_reset_leaves_two_factor_on(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    clock = Clock()
    async with serve(make_settings(tmp_path, smtp_url=url, public_url=PUBLIC_URL), clock=clock) as (
        _,
        client,
    ):
        alice = await enrol(
            client, clock, (await logged_in(client, email="alice@example.com"))["access_token"]
        )
        assert (await client.post("/forgot-password", json={"email": "alice@example.com"})).status_code == 202
        token = await _reset_token(inbox, 2)
        reset = await client.post("/reset-password", json={"token": token, "new_password": NEW_PASSWORD})
        password_only = await login(client, "alice", NEW_PASSWORD)
        with_code = await login(client, "alice", NEW_PASSWORD, otp=alice.code())
    assert reset.status_code == 204
    assert password_only.status_code == 403 and password_only.json()["error"] == "mfa_required"
    assert with_code.status_code == 200
