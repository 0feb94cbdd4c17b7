"""Signing keys as operators meet them: another JOSE library verifying from the JWKS alone, `rotate-keys`
reaching two running services on one database, and a SECRET_KEY that no longer opens the key."""

import time
from pathlib import Path

import httpx
import jwt as pyjwt
import pytest

from .conftest import PASSWORD
from .live import Service, free_port, run_py, running_service

_ROTATION_DEADLINE_SECONDS = 10.0


def access_token(service: Service, username: str = "alice") -> str:
    """A fresh access token from the running service, over a new connection each time."""
    response = httpx.post(
        f"{service.url}/token", data={"username": username, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def register(service: Service, username: str = "alice") -> None:
    response = httpx.post(
        f"{service.url}/register", json={"username": username, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 201, response.text


def me_status(service: Service, token: str) -> int:
    return httpx.get(
        f"{service.url}/user/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).status_code


def kid(token: str) -> str:
    value: str = pyjwt.get_unverified_header(token)["kid"]
    return value


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_pyjwt_verifies_our_tokens_from_the_jwks_alone(
    tmp_path: Path, fresh_database_url: str, algorithm: str
) -> None:
    env = {"JWT_ALGORITHM": algorithm, "PUBLIC_URL": "https://auth.example.com"}
    with running_service(tmp_path, fresh_database_url, extra_env=env) as service:
        register(service)
        token = access_token(service)
        jwks = pyjwt.PyJWKClient(f"{service.url}/.well-known/jwks.json")
        key = jwks.get_signing_key_from_jwt(token)
        claims = pyjwt.decode(token, key, algorithms=[algorithm], options={"require": ["exp", "iat", "sub"]})
        metadata = httpx.get(f"{service.url}/.well-known/oauth-authorization-server", timeout=10).json()
    assert key.key_id == kid(token)
    assert claims["scope"] == "profile"
    assert claims["type"] == "access"
    # advertised from PUBLIC_URL, never from the request's Host
    assert metadata["jwks_uri"] == "https://auth.example.com/.well-known/jwks.json"
    # and a token PyJWT verifies is one whose signature it would refuse once altered
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(tampered, key, algorithms=[algorithm])


def _eventually_signed_with(service: Service, expected_kid: str) -> float:
    """Seconds until every one of a few fresh tokens carries `expected_kid`."""
    started = time.monotonic()
    while time.monotonic() - started < _ROTATION_DEADLINE_SECONDS:
        if all(kid(access_token(service)) == expected_kid for _ in range(3)):
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"{service.url} still signs with another key than {expected_kid}")


def test_rotate_keys_reaches_every_running_service_without_a_restart(
    tmp_path: Path, fresh_database_url: str
) -> None:
    env = {"JWT_ALGORITHM": "RS256"}
    with (
        running_service(tmp_path, fresh_database_url, extra_env=env) as first,
        running_service(tmp_path, fresh_database_url, extra_env=env) as second,
    ):
        register(first)
        old = access_token(first)
        assert kid(access_token(second)) == kid(old)
        rotated = run_py(tmp_path, fresh_database_url, "rotate-keys", extra_env=env)
        assert rotated.returncode == 0, rotated.stderr
        new_kid = rotated.stdout.split("signing key ", 1)[1].split()[0]
        assert new_kid != kid(old)
        waits = [_eventually_signed_with(service, new_kid) for service in (first, second)]
        # the old key still verifies everywhere, and each service accepts the other's new tokens
        statuses = [
            me_status(service, token) for service in (first, second) for token in (old, access_token(first))
        ]
        published = [
            key["kid"] for key in httpx.get(f"{second.url}/.well-known/jwks.json", timeout=10).json()["keys"]
        ]
    assert max(waits) < 3.0
    assert statuses == [200, 200, 200, 200]
    assert published == [new_kid, kid(old)]


def test_rotate_keys_under_hs256_rotates_the_id_token_key_and_says_secret_key_is_the_access_key(
    tmp_path: Path, fresh_database_url: str
) -> None:
    result = run_py(tmp_path, fresh_database_url, "rotate-keys")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("new signing key ")
    assert "access tokens are HS256, whose key is SECRET_KEY" in result.stdout


def test_a_secret_key_that_does_not_open_the_key_stops_the_start_with_one_line(
    tmp_path: Path, fresh_database_url: str
) -> None:
    env = {"JWT_ALGORITHM": "ES256"}
    first_secret = {"SECRET_KEY": "first-secret-key-0123456789abcdef0123456789"}
    made = run_py(tmp_path, fresh_database_url, "rotate-keys", extra_env={**env, **first_secret})
    assert made.returncode == 0, made.stderr
    other_secret = {"SECRET_KEY": "other-secret-key-0123456789abcdef0123456789"}
    refused = run_py(
        tmp_path, fresh_database_url, "--port", str(free_port()), extra_env={**env, **other_secret}
    )
    assert refused.returncode == 1
    assert "sealed with another SECRET_KEY" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert other_secret["SECRET_KEY"] not in refused.stderr + refused.stdout
    # a new key under the new secret lets it start; the earlier key's tokens would still verify
    assert (
        run_py(tmp_path, fresh_database_url, "rotate-keys", extra_env={**env, **other_secret}).returncode == 0
    )
    with running_service(tmp_path, fresh_database_url, extra_env={**env, **other_secret}) as service:
        keys = httpx.get(f"{service.url}/.well-known/jwks.json", timeout=10).json()["keys"]
    # the new key and the retired one (no id_token was signed, so no RS256 key is in use yet)
    assert sorted(key["alg"] for key in keys) == ["ES256", "ES256"]
