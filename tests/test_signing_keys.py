"""Signing keys: `kid` in every header, RS256 and ES256 keys sealed in the database, the JWKS, rotation."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from jose import jwt as jose_jwt

from api.core import jwk
from api.core.sealing import SIGNING_KEYS, Sealer, Unreadable
from api.db.models import SigningKey
from api.services.state import AppState

from .conftest import (
    PASSWORD,
    SECRET,
    Clock,
    bearer,
    login,
    make_settings,
    me_status,
    register,
    serve,
    token_for,
)
from .legacy import _access_token

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def header(token: str) -> dict[str, Any]:
    """A JWT's header, unverified."""
    decoded: dict[str, Any] = pyjwt.get_unverified_header(token)
    return decoded


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def state_of(app: FastAPI) -> AppState:
    state: AppState = app.state.auth
    return state


async def test_hs256_tokens_name_their_key_and_the_jwks_is_empty(client: httpx.AsyncClient) -> None:
    token = await token_for(client)
    assert header(token)["alg"] == "HS256"
    assert header(token)["kid"] == jwk.hmac_key_set(SECRET).signer.kid  # type: ignore[union-attr]
    assert SECRET not in header(token)["kid"]
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json() == {"keys": []}
    assert await SigningKey.all().count() == 0


async def test_hs256_tokens_without_kid_from_0_1_0_still_work(client: httpx.AsyncClient) -> None:
    genuine = await token_for(client)
    claims = pyjwt.decode(genuine, options={"verify_signature": False})
    legacy = _access_token(
        secret=SECRET,
        user_id=int(claims["sub"]),
        session_id=claims["sid"],
        scope="profile",
        now=datetime.now(UTC),
    )
    assert "kid" not in header(legacy)
    assert await me_status(client, legacy) == 200


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_first_start_makes_one_key_kept_sealed_in_the_database(tmp_path: Path, algorithm: str) -> None:
    async with serve(make_settings(tmp_path, jwt_algorithm=algorithm)) as (_, client):
        token = await token_for(client)
        jwks = await client.get("/.well-known/jwks.json")
        rows = await SigningKey.all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.algorithm, row.retired_at, row.expires_at) == (algorithm, None, None)
    assert header(token) == {"alg": algorithm, "kid": row.kid, "typ": "at+jwt"}
    # the private key opens only with SECRET_KEY, and only for its own row
    private_der = Sealer(SECRET, purpose=SIGNING_KEYS).open(row.sealed_private_key, context=row.kid)
    assert serialization.load_der_private_key(private_der, password=None) is not None
    assert private_der not in base64.b64decode(row.sealed_private_key)
    with pytest.raises(Unreadable):
        Sealer("another-secret-key-" + "x" * 32, purpose=SIGNING_KEYS).open(
            row.sealed_private_key, context=row.kid
        )
    with pytest.raises(Unreadable):
        Sealer(SECRET, purpose=SIGNING_KEYS).open(row.sealed_private_key, context="another-kid")
    assert jwks.status_code == 200
    assert jwks.headers["cache-control"] == "public, max-age=60"
    (published,) = jwks.json()["keys"]
    assert published["kid"] == row.kid
    assert (published["alg"], published["use"]) == (algorithm, "sig")
    assert published["kty"] == ("RSA" if algorithm == "RS256" else "EC")
    assert not PRIVATE_MEMBERS & set(published)


async def test_a_restart_signs_with_the_key_already_in_the_database(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = make_settings(tmp_path, jwt_algorithm="ES256", database_url=fresh_database_url)
    async with serve(settings) as (_, client):
        first = header(await token_for(client))["kid"]
    async with serve(settings) as (_, client):
        second = header((await login(client, "alice", PASSWORD)).json()["access_token"])["kid"]
    assert first == second


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_a_token_signed_by_another_key_under_our_kid_is_refused(tmp_path: Path, algorithm: str) -> None:
    async with serve(make_settings(tmp_path, jwt_algorithm=algorithm)) as (_, client):
        genuine = await token_for(client)
        claims = pyjwt.decode(genuine, options={"verify_signature": False})
        other = jwk.new_private_key(algorithm)
        forged = pyjwt.encode(
            claims,
            serialization.load_der_private_key(other, password=None),  # type: ignore[arg-type]
            algorithm=algorithm,
            headers={"kid": header(genuine)["kid"], "typ": "at+jwt"},
        )
        response = await client.get("/user/me", headers=bearer(forged))
        assert await me_status(client, genuine) == 200
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}


async def test_alg_confusion_public_key_as_hs256_secret_is_refused(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, jwt_algorithm="RS256")) as (_, client):
        genuine = await token_for(client)
        (public,) = (await client.get("/.well-known/jwks.json")).json()["keys"]
        pem = pyjwt.PyJWK(public).key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        claims = pyjwt.decode(genuine, options={"verify_signature": False})
        # signed by hand: PyJWT itself refuses to use a PEM public key as an HMAC secret
        signing_input = ".".join(
            b64(json.dumps(part).encode())
            for part in ({"alg": "HS256", "kid": public["kid"], "typ": "at+jwt"}, claims)
        )
        signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
        confused = f"{signing_input}.{b64(signature)}"
        unsigned = ".".join(
            b64(json.dumps(part).encode()) for part in ({"alg": "none", "kid": public["kid"]}, claims)
        )
        statuses = [await me_status(client, token) for token in (confused, f"{unsigned}.")]
    assert statuses == [401, 401]


async def test_under_rs256_a_token_without_kid_or_with_an_unknown_kid_is_refused(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, jwt_algorithm="RS256")) as (app, client):
        genuine = await token_for(client)
        claims = pyjwt.decode(genuine, options={"verify_signature": False})
        signer = state_of(app).codec.keys.signer
        assert signer is not None
        unnamed = jose_jwt.encode(claims, signer.key, algorithm="RS256")
        unknown = jose_jwt.encode(claims, signer.key, algorithm="RS256", headers={"kid": "no-such-key"})
        statuses = [await me_status(client, token) for token in (unnamed, unknown, genuine)]
    assert statuses == [401, 401, 200]


async def test_rotation_signs_with_the_new_key_and_still_accepts_the_old_one(tmp_path: Path) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path, jwt_algorithm="RS256"), clock=clock) as (app, client):
        old = await token_for(client)
        (new_kid,) = await state_of(app).keys.rotate()
        new = (await login(client, "alice", PASSWORD)).json()["access_token"]
        jwks = (await client.get("/.well-known/jwks.json")).json()["keys"]
        statuses = [await me_status(client, token) for token in (old, new)]
        retired = await SigningKey.get(kid=header(old)["kid"])
    assert header(new)["kid"] == new_kid != header(old)["kid"]
    assert [key["kid"] for key in jwks] == [new_kid, header(old)["kid"]]
    assert statuses == [200, 200]
    # published as long as a token it signed may live (30 minutes), and a margin for workers still signing
    assert retired.retired_at is not None and retired.expires_at is not None
    assert retired.expires_at - retired.retired_at == timedelta(minutes=31)


async def test_a_retired_key_is_dropped_once_its_tokens_have_expired(tmp_path: Path) -> None:
    clock = Clock()
    async with serve(make_settings(tmp_path, jwt_algorithm="ES256"), clock=clock) as (app, client):
        old_kid = header(await token_for(client))["kid"]
        keys = state_of(app).keys
        (new_kid,) = await keys.rotate()
        clock.advance(minutes=30)
        await keys.reload()
        still = [key["kid"] for key in (await client.get("/.well-known/jwks.json")).json()["keys"]]
        clock.advance(minutes=2)
        await keys.reload()
        later = [key["kid"] for key in (await client.get("/.well-known/jwks.json")).json()["keys"]]
        (newest,) = await keys.rotate()
        rows = sorted([key.kid for key in await SigningKey.all()])
    assert still == [new_kid, old_kid]
    assert later == [new_kid]
    # the next rotation deletes what nobody needs any more
    assert rows == sorted([new_kid, newest])


async def test_changing_jwt_algorithm_keeps_refresh_tokens_working(
    tmp_path: Path, fresh_database_url: str
) -> None:
    async with serve(make_settings(tmp_path, database_url=fresh_database_url)) as (_, client):
        await register(client, "alice")
        pair = (await login(client, "alice", PASSWORD)).json()
    async with serve(make_settings(tmp_path, database_url=fresh_database_url, jwt_algorithm="ES256")) as (
        _,
        client,
    ):
        # access tokens are checked with the configured algorithm only; the refresh token gets a new one
        refused = await me_status(client, pair["access_token"])
        renewed = await client.post(
            "/token", data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
        )
        assert renewed.status_code == 200
        assert await me_status(client, renewed.json()["access_token"]) == 200
    assert refused == 401
    assert header(renewed.json()["access_token"])["alg"] == "ES256"
