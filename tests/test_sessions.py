"""Sessions: refresh-token rotation, reuse detection, logout, RFC 7009 revocation and clean-up."""

import asyncio
from datetime import timedelta

import httpx
from jose import jwt
from tortoise.timezone import now

from api.db.models import RefreshToken, Session
from api.services import sessions

from .conftest import direct_writes, logged_in, login, me_status, refresh

INVALID_GRANT = "invalid_grant"


async def test_login_returns_a_refresh_token_stored_only_as_a_hash(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    assert len(tokens["refresh_token"]) >= 43
    stored = await RefreshToken.all()
    assert len(stored) == 1 and stored[0].token_hash != tokens["refresh_token"]


async def test_access_token_carries_the_session_id(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    session = await Session.get()
    assert jwt.get_unverified_claims(tokens["access_token"])["sid"] == str(session.id)


async def test_refresh_gives_a_new_working_pair(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    response = await refresh(client, tokens["refresh_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    renewed = response.json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert renewed["scope"] == "profile"
    assert await me_status(client, renewed["access_token"]) == 200


async def test_rotated_refresh_token_stops_working(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    assert (await refresh(client, tokens["refresh_token"])).status_code == 200
    replay = await refresh(client, tokens["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == INVALID_GRANT


async def test_replayed_refresh_token_revokes_the_whole_family(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    renewed = (await refresh(client, tokens["refresh_token"])).json()
    assert (await refresh(client, tokens["refresh_token"])).status_code == 400
    # the thief's replay also ends the legitimate holder's newer tokens
    assert (await refresh(client, renewed["refresh_token"])).json()["error"] == INVALID_GRANT
    assert await me_status(client, renewed["access_token"]) == 401
    assert await me_status(client, tokens["access_token"]) == 401


async def test_simultaneous_use_of_one_refresh_token_lets_at_most_one_win(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    responses = await asyncio.gather(*(refresh(client, tokens["refresh_token"]) for _ in range(4)))
    # the conditional UPDATE lets exactly one through; the others are a reuse of a used token
    assert sorted(response.status_code for response in responses) == [200, 400, 400, 400]
    assert all(
        response.json()["error"] == INVALID_GRANT for response in responses if response.status_code == 400
    )


async def test_expired_refresh_token_is_invalid_grant(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    await RefreshToken.all().update(expires_at=now() - timedelta(seconds=1))
    response = await refresh(client, tokens["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == INVALID_GRANT


async def test_unknown_refresh_token_is_invalid_grant(client: httpx.AsyncClient) -> None:
    response = await refresh(client, "made-up-token")
    assert response.status_code == 400 and response.json()["error"] == INVALID_GRANT


async def test_refresh_grant_without_the_token_is_invalid_request(client: httpx.AsyncClient) -> None:
    response = await client.post("/token", data={"grant_type": "refresh_token"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_refresh_cannot_widen_the_scope(client: httpx.AsyncClient) -> None:
    tokens = await logged_in(client)
    response = await refresh(client, tokens["refresh_token"], scope="profile admin")
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


async def test_clean_up_deletes_expired_and_long_revoked_sessions(client: httpx.AsyncClient) -> None:
    await logged_in(client)
    expired = (await login(client)).json()
    revoked = (await login(client)).json()
    expired_id = jwt.get_unverified_claims(expired["access_token"])["sid"]
    revoked_id = jwt.get_unverified_claims(revoked["access_token"])["sid"]
    async with direct_writes(client):
        await Session.filter(id=expired_id).update(expires_at=now() - timedelta(minutes=1))
    async with direct_writes(client):
        await Session.filter(id=revoked_id).update(revoked_at=now() - timedelta(days=2))
    async with direct_writes(client):
        await sessions.clean_up(now())
    assert await Session.all().count() == 1
    assert await RefreshToken.all().count() == 1
