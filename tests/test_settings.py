"""Settings: the signing key, the token URL and the limits the contract sets."""

import stat
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from jose import jwt
from pydantic import SecretStr, ValidationError

from api.config import Settings
from api.db.models import Session
from api.secret_key import resolve_secret_key

from .conftest import PASSWORD, bearer, make_settings, register, serve, token_for


def test_missing_secret_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, secret_key=None)
    first = resolve_secret_key(settings)
    key_file = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 64
    assert resolve_secret_key(settings) == first


def test_generated_key_is_logged_as_a_warning_without_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key = resolve_secret_key(make_settings(tmp_path, secret_key=None))
    assert any(record.levelname == "WARNING" and "SECRET_KEY" in record.message for record in caplog.records)
    assert key not in caplog.text


async def test_tokens_survive_a_restart_with_the_generated_key(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = make_settings(tmp_path, secret_key=None, database_url=fresh_database_url)
    async with serve(settings) as (_, client):
        token = await token_for(client, "alice")
    async with serve(settings) as (_, client):
        assert (await client.get("/user/me", headers=bearer(token))).status_code == 200


@pytest.mark.parametrize("value", ['billing"read', "back\\slash", "profile", "admin extra"])
def test_api_scopes_that_are_not_new_scope_names_are_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ValidationError, match="API_SCOPES"):
        make_settings(tmp_path, api_scopes=value)


def test_api_scopes_are_kept_once_each_in_order(tmp_path: Path) -> None:
    assert make_settings(tmp_path, api_scopes=" b:read  a:write b:read ").api_scopes == "b:read a:write"


def test_short_secret_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        make_settings(tmp_path, secret_key=SecretStr("changethis"))


def test_a_refused_secret_key_is_not_repeated_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "short-but-still-secret")
    with pytest.raises(ValidationError, match="at least 32 characters") as refused:
        Settings(_env_file=None)
    assert "short-but-still-secret" not in str(refused.value)


@pytest.mark.parametrize("length", [7, 129])
def test_password_min_length_outside_8_to_128_is_refused(tmp_path: Path, length: int) -> None:
    with pytest.raises(ValidationError):
        make_settings(tmp_path, password_min_length=length)


def test_argon2_below_the_owasp_minimum_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        make_settings(tmp_path, argon2_memory_kib=8 * 1024)


@pytest.mark.parametrize(("raw", "path"), [("shild", "shild"), ("/auth/token/", "auth/token")])
def test_token_url_is_a_clean_path(tmp_path: Path, raw: str, path: str) -> None:
    settings = make_settings(tmp_path, token_url=raw)
    assert settings.token_url == path
    assert settings.token_path == f"/{path}"


@pytest.mark.parametrize("raw", ["", "/", "to ken", "https://evil.example/token", "a//b"])
def test_token_url_that_is_not_a_path_is_refused(tmp_path: Path, raw: str) -> None:
    with pytest.raises(ValidationError, match="TOKEN_URL"):
        make_settings(tmp_path, token_url=raw)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_URL", "shild")
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "5")
    monkeypatch.setenv("REGISTRATION_OPEN", "false")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = Settings(_env_file=None)
    assert (settings.token_url, settings.access_token_expire_minutes) == ("shild", 5)
    assert settings.registration_open is False
    assert settings.database_url == "sqlite://data/auth.sqlite3"
    # no hard-coded default key: an unset SECRET_KEY means a generated one (see above)
    assert settings.secret_key is None


async def test_token_lifetimes_follow_the_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, access_token_expire_minutes=5, refresh_token_expire_days=2)
    async with serve(settings) as (_, client):
        body = (await token_for_response(client)).json()
        assert body["expires_in"] == 300
        claims = jwt.get_unverified_claims(body["access_token"])
        assert claims["exp"] - claims["iat"] == 300
        session = await Session.get()
        assert (
            timedelta(days=2) - timedelta(minutes=1)
            < session.expires_at - session.created_at
            <= timedelta(days=2)
        )


async def token_for_response(client: httpx.AsyncClient) -> httpx.Response:
    assert (await register(client, "alice")).status_code == 201
    return await client.post("/token", data={"username": "alice", "password": PASSWORD})
