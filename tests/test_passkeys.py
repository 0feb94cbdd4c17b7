"""Passkeys over the API, answered by a software authenticator (soft-fido2): registration, discoverable
sign-in, and every way a ceremony must fail."""

import logging
from pathlib import Path

import httpx
import jwt
import pytest
from soft_fido2 import Fido2Authenticator, KeyPair  # type: ignore[import-untyped]
from webauthn.helpers import base64url_to_bytes, decode_credential_public_key

from api.db.models import Passkey, PasskeyUser, User

from .conftest import PASSWORD, admin_token, bearer, direct_writes, make_settings, me_status, serve, token_for
from .passkeys import Authenticator, add_passkey, passkey_grant, sign_in, sign_in_options


async def test_a_passkey_is_added_with_the_password_and_signs_in_without_one(
    client: httpx.AsyncClient,
) -> None:
    token = await token_for(client)
    authenticator = Authenticator()
    options = await client.post(
        "/user/me/passkeys/options", json={"password": PASSWORD}, headers=bearer(token)
    )
    body = options.json()["options"]
    added = await add_passkey(client, token, authenticator)
    listed = await client.get("/user/me/passkeys", headers=bearer(token))
    signed_in = await sign_in(client, authenticator)
    handle = await PasskeyUser.get()
    user = await User.get(username="alice")
    assert body["rp"] == {"id": "localhost", "name": "Auth service"}
    assert body["authenticatorSelection"]["residentKey"] == "required"
    assert body["authenticatorSelection"]["userVerification"] == "required"
    assert body["attestation"] == "none"
    assert [param["alg"] for param in body["pubKeyCredParams"]] == [-7, -257]
    assert body["user"]["id"] == handle.handle and body["user"]["id"] != str(user.id)
    assert added.status_code == 201, added.text
    assert set(added.json()) == {"id", "name", "created_at", "last_used_at", "backed_up"}
    assert added.json()["name"] == "Laptop"
    assert [passkey["id"] for passkey in listed.json()] == [added.json()["id"]]
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["sub"] == str(user.id)
    assert await me_status(client, tokens["access_token"]) == 200


async def test_an_rs256_passkey_signs_in_too(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    authenticator = Authenticator(device=Fido2Authenticator(keyPair=KeyPair.generate_rsa()))
    added = await add_passkey(client, token, authenticator)
    stored = await Passkey.get()
    signed_in = await sign_in(client, authenticator)
    assert added.status_code == 201, added.text
    # COSE key type 3 (RSA) with algorithm -257 (RS256), as py_webauthn decodes it
    assert decode_credential_public_key(base64url_to_bytes(stored.public_key)).alg == -257
    assert signed_in.status_code == 200, signed_in.text


async def test_the_wrong_password_gets_no_options(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    response = await client.post(
        "/user/me/passkeys/options", json={"password": "wrong-password"}, headers=bearer(token)
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Incorrect password"}


async def test_a_registration_from_another_origin_or_without_user_verification_is_refused(
    client: httpx.AsyncClient,
) -> None:
    token = await token_for(client)
    for authenticator, uv in ((Authenticator(origin="https://evil.example"), True), (Authenticator(), False)):
        options = await client.post(
            "/user/me/passkeys/options", json={"password": PASSWORD}, headers=bearer(token)
        )
        credential = authenticator.create(options.json()["options"], uv=uv)
        refused = await client.post(
            "/user/me/passkeys", json={"credential": credential}, headers=bearer(token)
        )
        assert refused.status_code == 400 and refused.json() == {"detail": "Invalid passkey"}
    assert await Passkey.all().count() == 0


async def test_a_registration_challenge_works_once(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    authenticator = Authenticator()
    options = await client.post(
        "/user/me/passkeys/options", json={"password": PASSWORD}, headers=bearer(token)
    )
    credential = authenticator.create(options.json()["options"])
    first = await client.post("/user/me/passkeys", json={"credential": credential}, headers=bearer(token))
    again = await client.post("/user/me/passkeys", json={"credential": credential}, headers=bearer(token))
    assert first.status_code == 201
    assert again.status_code == 400


async def test_a_replayed_assertion_is_refused(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    authenticator = Authenticator()
    await add_passkey(client, token, authenticator)
    started = await sign_in_options(client)
    credential = authenticator.get(started["options"])
    first = await passkey_grant(client, started["challenge_id"], credential)
    replayed = await passkey_grant(client, started["challenge_id"], credential)
    other_challenge = await passkey_grant(client, (await sign_in_options(client))["challenge_id"], credential)
    assert first.status_code == 200
    for refused in (replayed, other_challenge):
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
        assert refused.json()["error_description"] == "Invalid passkey"


async def test_a_foreign_origin_or_no_user_verification_does_not_sign_in(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    authenticator = Authenticator()
    await add_passkey(client, token, authenticator)
    authenticator.origin = "https://evil.example"
    foreign = await sign_in(client, authenticator)
    authenticator.origin = "http://localhost:8000"
    unverified = await sign_in(client, authenticator, uv=False)
    assert foreign.status_code == unverified.status_code == 400


async def test_a_counter_going_backwards_is_refused_and_audited(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="api.audit")
    token = await token_for(client)
    authenticator = Authenticator()
    await add_passkey(client, token, authenticator)
    assert (await sign_in(client, authenticator)).status_code == 200
    assert (await sign_in(client, authenticator)).status_code == 200
    authenticator.device.counter = 1  # a copy of the key, behind the original
    cloned = await sign_in(client, authenticator)
    stored = await Passkey.get()
    assert cloned.status_code == 400
    assert "passkey_clone_suspected" in caplog.text
    assert stored.sign_count >= 2


async def test_a_removed_passkey_or_a_disabled_user_signs_in_no_more(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    kept, removed = Authenticator(), Authenticator()
    await add_passkey(client, token, kept, "kept")
    gone = (await add_passkey(client, token, removed, "removed")).json()["id"]
    assert (await client.delete(f"/user/me/passkeys/{gone}", headers=bearer(token))).status_code == 204
    assert (await client.delete(f"/user/me/passkeys/{gone}", headers=bearer(token))).status_code == 404
    assert (await sign_in(client, removed)).status_code == 400
    assert (await sign_in(client, kept)).status_code == 200
    async with direct_writes(client):
        await User.filter(username="alice").update(disabled=True)
    assert (await sign_in(client, kept)).status_code == 400


async def test_failed_passkey_sign_ins_count_in_the_login_throttling(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, login_max_failures_per_address=3)) as (_, client):
        token = await token_for(client)
        authenticator = Authenticator()
        await add_passkey(client, token, authenticator)
        authenticator.origin = "https://evil.example"
        statuses = [(await sign_in(client, authenticator)).status_code for _ in range(3)]
        blocked = await client.post("/passkeys/login/options", json={})
    assert statuses == [400, 400, 400]
    assert blocked.status_code == 429 and "retry-after" in blocked.headers


async def test_passkeys_are_renamed_and_reset_by_an_administrator(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    authenticator = Authenticator()
    added = (await add_passkey(client, token, authenticator)).json()["id"]
    renamed = await client.patch(f"/user/me/passkeys/{added}", json={"name": "Phone"}, headers=bearer(token))
    admin = await admin_token(client)
    alice = (await client.get("/user/me", headers=bearer(token))).json()["id"]
    reset = await client.delete(f"/users/{alice}/passkeys", headers=bearer(admin))
    missing = await client.delete("/users/999999/passkeys", headers=bearer(admin))
    assert renamed.status_code == 200 and renamed.json()["name"] == "Phone"
    assert reset.status_code == 204 and missing.status_code == 404
    assert (await sign_in(client, authenticator)).status_code == 400


async def test_a_passkey_registered_twice_is_409(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    authenticator = Authenticator()
    assert (await add_passkey(client, token, authenticator)).status_code == 201
    again = await add_passkey(client, token, authenticator)
    assert again.status_code == 409 and again.json() == {"detail": "Passkey already registered"}


@pytest.mark.parametrize("transports", ["usb", 5, {"usb": True}, ["usb", 3], [None]])
async def test_a_registration_whose_transports_is_not_a_list_of_strings_is_400(
    client: httpx.AsyncClient, transports: object
) -> None:
    token = await token_for(client)
    options = await client.post(
        "/user/me/passkeys/options", json={"password": PASSWORD}, headers=bearer(token)
    )
    credential = Authenticator().create(options.json()["options"])
    credential["response"]["transports"] = transports
    refused = await client.post("/user/me/passkeys", json={"credential": credential}, headers=bearer(token))
    assert refused.status_code == 400 and refused.json() == {"detail": "Invalid passkey"}
    assert await Passkey.all().count() == 0
