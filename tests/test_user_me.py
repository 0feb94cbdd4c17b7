"""GET /user/me and /users/me: who the token belongs to, and every way a token can be refused."""

import base64
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from jose import jwt
from tortoise.timezone import now

from api.config import Settings
from api.core.jwk import hmac_key_set
from api.core.jwt import TokenCodec
from api.db.models import Session, User

from .conftest import SECRET, bearer, direct_writes, login, make_settings, register, serve, token_for
from .roles import ROLES_SCOPE, give_roles


def b64url(part: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


INVALID = {"detail": "Could not validate credentials"}
INVALID_HEADER = 'Bearer error="invalid_token"'


@pytest.fixture(params=[True, False], ids=["fast path", "route"])
async def app_and_client(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Every test of this module runs against the fast path and against the ordinary route."""
    async with serve(settings, me_fast_path=request.param) as pair:
        yield pair


@pytest.mark.parametrize("path", ["/user/me", "/users/me"])
async def test_me_returns_the_token_owner(client: httpx.AsyncClient, path: str) -> None:
    token = await token_for(client, "alice")
    response = await client.get(path, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert "password" not in response.text and "hash" not in response.text


async def test_no_credentials_is_401_not_authenticated(client: httpx.AsyncClient) -> None:
    response = await client.get("/user/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Bearer"


async def assert_invalid_token(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/user/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == INVALID
    assert response.headers["www-authenticate"] == INVALID_HEADER


async def test_malformed_token_is_401_invalid_token(client: httpx.AsyncClient) -> None:
    await assert_invalid_token(client, "not-a-jwt")


def reissue(codec: TokenCodec, genuine: str, lifetime_seconds: int = 60) -> str:
    """A token like a genuine one (same user and session), made by another codec."""
    claims = jwt.get_unverified_claims(genuine)
    return codec.issue_access_token(
        user_id=int(claims["sub"]),
        session_id=claims["sid"],
        scopes=["profile"],
        lifetime_seconds=lifetime_seconds,
    )


async def test_token_signed_with_another_key_is_401(client: httpx.AsyncClient) -> None:
    genuine = await token_for(client, "alice")
    other = TokenCodec(keys=hmac_key_set("another-key-" + "x" * 32), issuer=None, audience=None)
    await assert_invalid_token(client, reissue(other, genuine))


async def test_unsigned_alg_none_token_is_401(client: httpx.AsyncClient) -> None:
    genuine = jwt.get_unverified_claims(await token_for(client, "alice"))
    now = int(time.time())
    claims = {**genuine, "iat": now, "exp": now + 60, "jti": "x" * 22, "scope": "profile", "type": "access"}
    unsigned = f"{b64url({'alg': 'none', 'typ': 'at+jwt'})}.{b64url(claims)}."
    await assert_invalid_token(client, unsigned)


async def test_expired_token_is_401(client: httpx.AsyncClient) -> None:
    genuine = await token_for(client, "alice")
    codec = TokenCodec(keys=hmac_key_set(SECRET), issuer=None, audience=None)
    assert (await client.get("/user/me", headers=bearer(reissue(codec, genuine)))).status_code == 200
    await assert_invalid_token(client, reissue(codec, genuine, lifetime_seconds=-60))


async def test_token_without_the_access_type_is_401(client: httpx.AsyncClient) -> None:
    genuine = jwt.get_unverified_claims(await token_for(client, "alice"))
    now = int(time.time())
    claims = {**genuine, "iat": now, "exp": now + 60, "jti": "x" * 22, "scope": "profile", "type": "refresh"}
    await assert_invalid_token(client, jwt.encode(claims, SECRET, algorithm="HS256"))


async def test_token_of_a_deleted_user_is_401(client: httpx.AsyncClient) -> None:
    token = await token_for(client, "alice")
    async with direct_writes(client):
        await User.filter(username_key="alice").delete()
    await assert_invalid_token(client, token)


async def test_disabled_user_is_400_inactive_user(client: httpx.AsyncClient) -> None:
    token = await token_for(client, "alice")
    async with direct_writes(client):
        await User.filter(username_key="alice").update(disabled=True)
    response = await client.get("/user/me", headers=bearer(token))
    assert response.status_code == 400
    assert response.json() == {"detail": "Inactive user"}


async def test_token_without_profile_scope_is_403_insufficient_scope(client: httpx.AsyncClient) -> None:
    await register(client, "root")
    async with direct_writes(client):
        await User.filter(username_key="root").update(is_admin=True)
    token = (await login(client, "root", scope="admin")).json()["access_token"]
    response = await client.get("/user/me", headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == {"detail": "Not enough permissions"}
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="profile"'


async def test_issuer_and_audience_are_required_when_configured(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, jwt_issuer="https://auth.example", jwt_audience="example-api")
    async with serve(settings) as (_, client):
        token = await token_for(client, "alice")
        claims = jwt.get_unverified_claims(token)
        assert claims["iss"] == "https://auth.example" and claims["aud"] == "example-api"
        assert (await client.get("/user/me", headers=bearer(token))).status_code == 200
        bare = TokenCodec(keys=hmac_key_set(SECRET), issuer=None, audience=None)
        await assert_invalid_token(client, reissue(bare, token))


async def test_token_naming_an_audience_is_refused_when_none_is_configured(client: httpx.AsyncClient) -> None:
    genuine = await token_for(client, "alice")
    foreign = TokenCodec(keys=hmac_key_set(SECRET), issuer=None, audience="someone-else")
    await assert_invalid_token(client, reissue(foreign, genuine))


async def test_fast_path_and_route_answer_byte_for_byte_alike(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url=fresh_database_url)
    async with serve(settings) as (_, client):
        alice = await token_for(client, "alice")
        bob = await token_for(client, "bob")
        async with direct_writes(client):
            await User.filter(username_key="bob").update(disabled=True)
        await register(client, "root")
        async with direct_writes(client):
            await User.filter(username_key="root").update(is_admin=True)
        root = (await login(client, "root", scope="admin")).json()["access_token"]
        await register(client, "carol")
        await give_roles(client, "carol")
        carol = (await login(client, "carol", scope=ROLES_SCOPE)).json()["access_token"]
        dave = (await login(client, "alice", scope=ROLES_SCOPE)).json()["access_token"]
    requests = {
        "owner": bearer(alice),
        "cookie": {"Cookie": f"auth_token={alice}"},
        "no credentials": {},
        "malformed": bearer("not.a.token"),
        "disabled user": bearer(bob),
        "no profile scope": bearer(root),
        "roles scope": bearer(carol),
        "roles scope, no roles": bearer(dave),
    }
    answers: dict[bool, list[tuple[int, list[tuple[str, str]], bytes]]] = {}
    for fast in (True, False):
        async with serve(settings, me_fast_path=fast) as (_, client):
            answers[fast] = []
            for headers in requests.values():
                response = await client.get("/user/me", headers=headers)
                answers[fast].append((response.status_code, response.headers.multi_items(), response.content))
    assert [status for status, _, _ in answers[True]] == [200, 200, 401, 401, 400, 403, 200, 200]
    assert b'"roles":["auditor","billing","support"]' in answers[True][-2][2]
    assert b'"roles":[]' in answers[True][-1][2] and b'"roles"' not in answers[True][0][2]
    assert answers[True] == answers[False]


async def test_use_of_a_session_is_recorded_to_the_minute(client: httpx.AsyncClient) -> None:
    token = await token_for(client, "alice")
    stale = now() - timedelta(minutes=5)
    await Session.all().update(last_used_at=stale)
    assert (await client.get("/user/me", headers=bearer(token))).status_code == 200
    assert (await Session.get()).last_used_at > stale + timedelta(minutes=4)
