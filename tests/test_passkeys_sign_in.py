"""The discoverable sign-in's hardening: the user handle required, the counter stored by compare-and-set, the
options rate-limited per address, and expired challenges deleted by the periodic clean-up."""

import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI

from api.core.opaque import opaque_digest
from api.db.models import Passkey, PasskeyChallenge

from .conftest import PASSWORD, Clock, bearer, login, make_settings, serve, token_for
from .passkeys import Authenticator, add_passkey, passkey_grant, sign_in_options


async def test_a_discoverable_sign_in_without_a_user_handle_is_refused(client: httpx.AsyncClient) -> None:
    authenticator = Authenticator()
    await add_passkey(client, await token_for(client), authenticator)
    started = await sign_in_options(client)
    credential = authenticator.get(started["options"])
    handle = credential["response"].pop("userHandle")
    refused = await passkey_grant(client, started["challenge_id"], credential)
    assert isinstance(handle, str) and handle  # the authenticator sent one: only its absence is refused
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert refused.json()["error_description"] == "Invalid passkey"


async def test_two_sign_ins_presenting_the_same_counter_at_once_do_not_both_pass(
    client: httpx.AsyncClient,
) -> None:
    authenticator = Authenticator()
    await add_passkey(client, await token_for(client), authenticator)
    starts = [await sign_in_options(client) for _ in range(2)]
    counter = authenticator.device.counter
    answers = []
    for started in starts:
        authenticator.device.counter = counter  # a copy of the key, signing beside the original
        answers.append(authenticator.get(started["options"]))
    racing = await asyncio.gather(
        *(passkey_grant(client, s["challenge_id"], a) for s, a in zip(starts, answers, strict=True))
    )
    stored = await Passkey.get()
    assert sorted(answer.status_code for answer in racing) == [200, 400]
    # both presented the same (non-zero) counter: the one that passed stored it
    assert stored.sign_count == counter > 0


async def test_sign_in_options_past_30_a_minute_from_one_address_are_429_with_retry_after(
    tmp_path: Path,
) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path), clock=clock) as (app, client):
        allowed = [(await client.post("/passkeys/login/options", json={})).status_code for _ in range(30)]
        refused = await client.post("/passkeys/login/options", json={})
        async with _client_at(app, "192.0.2.7") as elsewhere:
            other_address = await elsewhere.post("/passkeys/login/options", json={})
        clock.advance(minutes=1)
        a_minute_later = await client.post("/passkeys/login/options", json={})
    assert allowed == [200] * 30
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert other_address.status_code == 200
    assert a_minute_later.status_code == 200


def _client_at(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_expired_challenges_are_deleted_by_the_periodic_clean_up(tmp_path: Path) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path), clock=clock) as (_, client):
        token = await token_for(client)  # a login: this worker's first clean-up
        await sign_in_options(client)
        await client.post("/user/me/passkeys/options", json={"password": PASSWORD}, headers=bearer(token))
        clock.advance(minutes=11)  # both expired, and the next clean-up is due
        kept = await sign_in_options(client)
        assert (await login(client)).status_code == 200
        left = [challenge.id_hash for challenge in await PasskeyChallenge.all()]
    assert left == [opaque_digest(kept["challenge_id"])]
