"""Every way a session ends tells the apps that received tokens in it: a logout token the app verifies from
the JWKS, naming the user and the `sid` of its id_tokens."""

from collections.abc import Awaitable, Callable
from pathlib import Path

import jwt
import pytest

from .backchannel import SignedIn, sign_in_to_app, signed_in
from .conftest import PASSWORD, bearer, login
from .devices import decide, poll, register_device_app, started, type_code
from .forms import BROWSER, csrf_of
from .test_mfa import enrol


def _cookie_token(told: SignedIn) -> dict[str, str]:
    # the browser's own session (the `sid` of the app's id_tokens), as a bearer token
    return bearer(told.p.client.cookies["auth_token"])


async def _end_session(told: SignedIn) -> None:
    answer = await told.p.client.get("/end-session", params={"id_token_hint": told.raw_id_token})
    assert answer.status_code == 200, answer.text


async def _logout(told: SignedIn) -> None:
    answer = await told.p.client.post("/logout", headers=_cookie_token(told))
    assert answer.status_code == 204, answer.text


async def _password_change(told: SignedIn) -> None:
    answer = await told.p.client.post(
        "/user/me/password",
        json={"current_password": PASSWORD, "new_password": "another-Long-passphrase-7"},
        headers=_cookie_token(told),
    )
    assert answer.status_code == 204, answer.text


async def _admin_disable(told: SignedIn) -> None:
    answer = await told.p.client.patch(
        f"/users/{told.id_token['sub']}", json={"disabled": True}, headers=told.p.admin
    )
    assert answer.status_code == 200, answer.text


async def _admin_delete(told: SignedIn) -> None:
    answer = await told.p.client.delete(f"/users/{told.id_token['sub']}", headers=told.p.admin)
    assert answer.status_code == 204, answer.text


async def _account_deletion(told: SignedIn) -> None:
    answer = await told.p.client.request(
        "DELETE", "/user/me", json={"password": PASSWORD}, headers=_cookie_token(told)
    )
    assert answer.status_code == 204, answer.text


async def _refresh_token_reuse(told: SignedIn) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": told.refresh_token}
    auth = (told.app.client_id, told.app.secret or "")
    assert (await told.p.client.post("/token", data=form, auth=auth)).status_code == 200
    assert (await told.p.client.post("/token", data=form, auth=auth)).status_code == 400


async def _two_factor_turned_on(told: SignedIn) -> None:
    # turned on from another session, which is the one kept
    elsewhere = (await login(told.p.client)).json()["access_token"]
    await enrol(told.p.client, told.clock, elsewhere)


async def _session_ended_by_api(told: SignedIn) -> None:
    elsewhere = (await login(told.p.client)).json()["access_token"]
    answer = await told.p.client.delete(
        f"/user/me/sessions/{told.id_token['sid']}", headers=bearer(elsewhere)
    )
    assert answer.status_code == 204, answer.text


async def _session_ended_from_account_page(told: SignedIn) -> None:
    csrf = csrf_of((await told.p.client.get("/account")).text)
    answer = await told.p.client.post(
        f"/account/sessions/{told.id_token['sid']}/end", data={"csrf_token": csrf}, headers=BROWSER
    )
    assert answer.status_code == 303, answer.text


async def _consent_taken_back(told: SignedIn) -> None:
    answer = await told.p.client.delete(
        f"/user/me/consents/{told.app.client_id}", headers=_cookie_token(told)
    )
    assert answer.status_code == 204, answer.text


ENDINGS: dict[str, Callable[[SignedIn], Awaitable[None]]] = {
    "end_session": _end_session,
    "logout": _logout,
    "password_change": _password_change,
    "admin_disable": _admin_disable,
    "admin_delete": _admin_delete,
    "account_deletion": _account_deletion,
    "refresh_token_reuse": _refresh_token_reuse,
    "two_factor_turned_on": _two_factor_turned_on,
    "session_ended_by_api": _session_ended_by_api,
    "session_ended_from_account_page": _session_ended_from_account_page,
    "consent_taken_back": _consent_taken_back,
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
async def test_each_way_a_session_ends_tells_the_app_once(tmp_path: Path, ending: str) -> None:
    async with signed_in(tmp_path) as told:
        await ENDINGS[ending](told)
        [claims] = await told.delivered()
        assert await told.delivered() == [claims]  # and never again
    assert claims["sub"] == told.id_token["sub"]
    assert claims["sid"] == told.id_token["sid"]


async def test_the_session_ends_before_the_app_is_told(tmp_path: Path) -> None:
    async with signed_in(tmp_path) as told:
        told.receiver.stop()  # unreachable: the request that ends the session does not wait for it
        browser = _cookie_token(told)
        await _logout(told)
        assert (await told.p.client.get("/user/me", headers=browser)).status_code == 401
        assert await told.delivered() == []


async def test_an_app_signed_in_elsewhere_or_without_a_uri_is_not_told(tmp_path: Path) -> None:
    async with signed_in(tmp_path) as told:
        browser = _cookie_token(told)
        silent = await told.p.register_app(name="No logout URI")
        await sign_in_to_app(told.p, silent)
        other = await told.p.register_app(name="Other", backchannel_logout_uri=told.receiver.uri)
        elsewhere = (await login(told.p.client)).json()["access_token"]
        assert (await told.p.client.post("/logout", headers=bearer(elsewhere))).status_code == 204
        assert await told.delivered() == []
        assert (await told.p.client.post("/logout", headers=browser)).status_code == 204
        [claims] = await told.delivered()
    assert claims["aud"] == told.app.client_id != other.client_id


async def test_an_es256_app_gets_its_logout_tokens_signed_as_its_id_tokens(tmp_path: Path) -> None:
    async with signed_in(tmp_path, jwt_algorithm="ES256") as told:
        es256 = await told.p.register_app(
            name="ES256", backchannel_logout_uri=told.receiver.uri, id_token_signed_response_alg="ES256"
        )
        await sign_in_to_app(told.p, es256)
        await _logout(told)
        told_apps = {claims["aud"] for claims in await told.delivered(es256)}
    algorithms = {jwt.get_unverified_header(token)["alg"] for token in told.receiver.accepted}
    assert told_apps == {told.app.client_id, es256.client_id}
    assert algorithms == {"RS256", "ES256"}


async def test_a_device_signed_in_through_the_device_flow_is_told_when_the_browser_logs_out(
    tmp_path: Path,
) -> None:
    async with signed_in(tmp_path) as told:
        tv = await register_device_app(told.p, backchannel_logout_uri=told.receiver.uri)
        codes = await started(told.p.client, tv, "openid profile")
        await decide(told.p, await type_code(told.p, codes["user_code"]))
        answer = await poll(told.p.client, tv, codes["device_code"])
        assert answer.status_code == 200, answer.text
        tv_id_token = jwt.decode(answer.json()["id_token"], options={"verify_signature": False})
        await _logout(told)
        told_apps = {claims["aud"]: claims["sid"] for claims in await told.delivered(tv)}
    assert told_apps == {told.app.client_id: told.id_token["sid"], tv.client_id: tv_id_token["sid"]}
    assert tv_id_token["sid"] == told.id_token["sid"]  # the same browser session approved both
