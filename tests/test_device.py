"""The device authorization grant (RFC 8628) over the app: the codes asked for, the polling answers, the
device code working once, the tokens it gives, and the metadata (the pages: test_device_pages.py)."""

import asyncio
import hashlib
from pathlib import Path

import jwt

from api.db.models import DeviceAuthorization, Session
from api.oidc.consents import in_words

from .conftest import Clock, bearer, me_status
from .devices import (
    DEVICE_CODE,
    USER_CODE,
    ask,
    decide,
    poll,
    polled_error,
    register_device_app,
    started,
    type_code,
)
from .oidc import ISSUER, provider
from .roles import allow_roles, give_roles


def _claims(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def test_a_device_gets_a_user_code_to_show_and_a_device_code_to_poll_with(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        response = await ask(p.client, app)
    body = response.json()
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert set(body) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert USER_CODE.fullmatch(body["user_code"]), body["user_code"]
    assert body["verification_uri"] == f"{ISSUER}/device"
    assert body["verification_uri_complete"] == f"{ISSUER}/device?user_code={body['user_code']}"
    assert (body["expires_in"], body["interval"]) == (600, 5)
    assert len(body["device_code"]) >= 43


async def test_the_device_code_is_stored_only_as_its_digest(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        body = await started(p.client, app)
        [stored] = await DeviceAuthorization.all()
    assert stored.device_code_hash == hashlib.sha256(body["device_code"].encode()).hexdigest()
    assert stored.user_code == body["user_code"].replace("-", "")


async def test_a_device_signs_in_once_the_person_allows_it_and_its_tokens_name_the_app(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        await p.sign_in("alice", email="alice@example.com")
        codes = await started(p.client, app, "openid profile email offline_access")
        pending = await polled_error(p.client, app, codes["device_code"])
        # case and the dash are the person's to forget
        consent_page = await type_code(p, codes["user_code"].replace("-", "").lower())
        done = await decide(p, consent_page)
        answer = await poll(p.client, app, codes["device_code"])
        body = answer.json()
        session = await Session.get(id=_claims(body["access_token"])["sid"])
        me = await me_status(p.client, body["access_token"])
        userinfo = await p.client.get("/userinfo", headers=bearer(body["access_token"]))
    assert pending == "authorization_pending"
    assert "Notes CLI</span> wants to" in consent_page.text
    assert in_words("offline_access") in consent_page.text
    assert done.status_code == 200 and "You may return to your device" in done.text
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "id_token", "refresh_token"}
    assert body["scope"] == "email offline_access openid profile"
    access, id_token = _claims(body["access_token"]), _claims(body["id_token"])
    assert access["client_id"] == app.client_id and id_token["aud"] == app.client_id
    assert id_token["iss"] == ISSUER and id_token["sid"] == session.login_session_id
    assert "nonce" not in id_token and id_token["sub"] == access["sub"]
    assert session.client_id == app.client_id
    assert me == 200 and userinfo.json()["email"] == "alice@example.com"


async def test_the_device_code_works_once(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        await p.sign_in()
        codes = await started(p.client, app)
        await decide(p, await type_code(p, codes["user_code"]))
        first = await poll(p.client, app, codes["device_code"])
        again = await poll(p.client, app, codes["device_code"])
    assert first.status_code == 200, first.text
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert again.json()["error_description"] == "The device code was already used"


async def test_polling_faster_than_the_interval_is_slow_down_and_the_interval_grows(tmp_path: Path) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock) as p:
        app = await register_device_app(p)
        codes = await started(p.client, app)
        answers = [await polled_error(p.client, app, codes["device_code"])]
        clock.advance(seconds=2)
        answers.append(await polled_error(p.client, app, codes["device_code"]))  # 2 s < 5 s: now 10 s
        clock.advance(seconds=6)
        answers.append(await polled_error(p.client, app, codes["device_code"]))  # 6 s < 10 s: now 15 s
        clock.advance(seconds=15)
        answers.append(await polled_error(p.client, app, codes["device_code"]))
        [stored] = await DeviceAuthorization.all()
    assert answers == ["authorization_pending", "slow_down", "slow_down", "authorization_pending"]
    assert stored.interval == 15


async def test_an_approved_device_that_polls_too_late_is_expired_token(tmp_path: Path) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock) as p:
        app = await register_device_app(p)
        await p.sign_in()
        codes = await started(p.client, app)
        await decide(p, await type_code(p, codes["user_code"]))
        clock.advance(seconds=601)
        error = await polled_error(p.client, app, codes["device_code"])
    assert error == "expired_token"


async def test_unknown_missing_or_another_apps_device_code_is_invalid_grant(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        other = await register_device_app(p, name="Other CLI")
        codes = await started(p.client, app)
        unknown = await polled_error(p.client, app, "not-a-device-code")
        missing = await p.client.post("/token", data={"grant_type": DEVICE_CODE, "client_id": app.client_id})
        foreign = await polled_error(p.client, other, codes["device_code"])
    assert unknown == foreign == "invalid_grant"
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"


async def test_a_confidential_client_proves_itself_at_both_endpoints(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p, confidential=True)
        assert app.secret is not None
        await p.sign_in()
        unproven = await p.client.post(
            "/device_authorization", data={"client_id": app.client_id, "scope": "openid"}
        )
        codes = await started(p.client, app, "openid")
        await decide(p, await type_code(p, codes["user_code"]))
        unproven_poll = await p.client.post(
            "/token",
            data={"grant_type": DEVICE_CODE, "device_code": codes["device_code"], "client_id": app.client_id},
        )
        answer = await poll(p.client, app, codes["device_code"])
    assert unproven.status_code == 400 and unproven.json()["error"] == "invalid_client"
    assert unproven_poll.status_code == 401 and unproven_poll.json()["error"] == "invalid_client"
    assert answer.status_code == 200 and set(answer.json()) >= {"access_token", "id_token"}
    assert "refresh_token" not in answer.json()  # no offline_access asked for


async def test_clients_and_scopes_the_device_endpoint_refuses(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p, scopes=["openid", "profile"])
        code_app = await p.register_app()
        unknown = await p.client.post(
            "/device_authorization", data={"client_id": "nobody", "scope": "openid"}
        )
        unregistered = await ask(p.client, code_app, "openid")
        beyond = await ask(p.client, app, "openid email")
        missing = await p.client.post("/device_authorization", data={"client_id": app.client_id})
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"
    assert unregistered.status_code == 400 and unregistered.json()["error"] == "unauthorized_client"
    assert beyond.status_code == 400 and beyond.json()["error"] == "invalid_scope"
    assert "email" in beyond.json()["error_description"]
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_scope"


async def test_the_metadata_lists_the_device_endpoint_and_grant(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        documents = [
            (await p.client.get(path)).json()
            for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
        ]
    for document in documents:
        assert document["device_authorization_endpoint"] == f"{ISSUER}/device_authorization"
        assert DEVICE_CODE in document["grant_types_supported"]


async def test_housekeeping_forgets_expired_device_authorizations(tmp_path: Path) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock) as p:
        app = await register_device_app(p)
        await started(p.client, app)
        clock.advance(minutes=11)
        await p.app.state.auth.housekeeping.run_if_due(clock())
        left = await DeviceAuthorization.all().count()
    assert left == 0


async def test_a_devices_tokens_carry_the_roles_the_app_may_see_with_the_roles_scope(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p, scopes=["openid", "profile", "roles"])
        await p.sign_in()
        await give_roles(p.client)
        await allow_roles(p.client, app.client_id, ["billing"])
        codes = await started(p.client, app, "openid profile roles")
        await decide(p, await type_code(p, codes["user_code"]))
        body = (await poll(p.client, app, codes["device_code"])).json()
    assert _claims(body["access_token"])["roles"] == _claims(body["id_token"])["roles"] == ["billing"]


async def test_a_devices_token_is_an_apps_token_that_only_reads(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        await p.sign_in()
        codes = await started(p.client, app)
        await decide(p, await type_code(p, codes["user_code"]))
        access = (await poll(p.client, app, codes["device_code"])).json()["access_token"]
        p.client.cookies.clear()
        reads = await p.client.get("/user/me", headers=bearer(access))
        writes = await p.client.patch("/user/me", json={"full_name": "Mallory"}, headers=bearer(access))
    assert reads.status_code == 200
    assert writes.status_code == 403


async def test_malformed_client_credentials_are_invalid_client_in_rfc_6749s_shape(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        response = await p.client.post(
            "/device_authorization",
            data={"scope": "openid"},
            headers={"Authorization": "Basic not-base64!"},
        )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_a_device_code_polled_twice_at_once_gives_tokens_once(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        await p.sign_in()
        codes = await started(p.client, app)
        await decide(p, await type_code(p, codes["user_code"]))
        racing = await asyncio.gather(*(poll(p.client, app, codes["device_code"]) for _ in range(2)))
        sessions = await Session.filter(client_id=app.client_id).count()
    assert sorted(answer.status_code for answer in racing) == [200, 400]
    [lost] = [answer for answer in racing if answer.status_code == 400]
    assert lost.json()["error"] == "invalid_grant"
    assert sessions == 1
