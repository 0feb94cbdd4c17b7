"""POST /register: the account rules of the contract."""

import asyncio
from pathlib import Path

import httpx
import pytest

from api.db.models import User

from .conftest import PASSWORD, make_settings, register, serve


async def test_register_returns_201_and_the_user_without_secrets(client: httpx.AsyncClient) -> None:
    response = await register(client, "alice", email="Alice@Example.com", full_name="Alice Liddell")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "username",
        "email",
        "full_name",
        "disabled",
        "is_admin",
        "created_at",
        "email_verified",
        "mfa_enabled",
    }
    assert body["email_verified"] is False
    assert body["username"] == "alice"
    assert body["email"] == "alice@example.com"
    assert body["full_name"] == "Alice Liddell"
    assert body["disabled"] is False and body["is_admin"] is False
    assert PASSWORD not in response.text and "argon2" not in response.text


async def test_password_is_stored_only_as_an_argon2id_hash(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    user = await User.get(username_key="alice")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


async def test_taken_username_is_409_case_insensitively(client: httpx.AsyncClient) -> None:
    assert (await register(client, "Alice")).status_code == 201
    response = await register(client, "aLICE")
    assert response.status_code == 409
    assert response.json() == {"detail": "Username already registered"}


async def test_username_is_unique_after_nfkc(client: httpx.AsyncClient) -> None:
    assert (await register(client, "alice")).status_code == 201
    # fullwidth letters are NFKC-equivalent to ASCII ones
    response = await register(client, "ＡＬＩＣＥ")
    assert response.status_code == 409


async def test_stored_username_is_the_nfkc_form(client: httpx.AsyncClient) -> None:
    response = await register(client, "ｂｏｂ")
    assert response.json()["username"] == "bob"


async def test_taken_email_is_409_email_already_registered(client: httpx.AsyncClient) -> None:
    assert (await register(client, "alice", email="shared@example.com")).status_code == 201
    response = await register(client, "bob", email="SHARED@example.com")
    assert response.status_code == 409
    assert response.json() == {"detail": "Email already registered"}
    assert await User.filter(username_key="bob").count() == 0


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("al", "Username must be 3 to 150 characters long"),
        ("a" * 151, "Username must be 3 to 150 characters long"),
        ("alice smith", "Username may contain only letters, digits and @ . + - _"),
        ("alice!", "Username may contain only letters, digits and @ . + - _"),
        ("robert'); DROP TABLE users;--", "Username may contain only letters, digits and @ . + - _"),
    ],
)
async def test_bad_username_is_422_with_a_clear_message(
    client: httpx.AsyncClient, username: str, message: str
) -> None:
    response = await register(client, username)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "username"]
    assert message in error["msg"]


@pytest.mark.parametrize(
    "username", ["abc", "a" * 150, "alice@example.com", "a.b+c-d_e", "Zoë", "名前です", "user42"]
)
async def test_allowed_usernames_register(client: httpx.AsyncClient, username: str) -> None:
    response = await register(client, username)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "Password must be at least 8 characters long"),
        ("password1", "This password is too common"),
        ("Qwertyuiop", "This password is too common"),
        ("Alice-the-Great", "Password must not be the same as the username"),
    ],
)
async def test_policy_violation_is_422_and_never_echoes_the_password(
    client: httpx.AsyncClient, password: str, message: str
) -> None:
    response = await register(client, "alice-the-great", password)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "password"]
    assert message in error["msg"]
    assert password not in response.text
    assert await User.all().count() == 0


async def test_password_over_128_characters_is_422_without_echo(client: httpx.AsyncClient) -> None:
    password = "x" * 120 + "-tail-129"
    response = await register(client, "alice", password)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]
    assert password not in response.text


async def test_password_of_128_characters_is_accepted_and_never_truncated(client: httpx.AsyncClient) -> None:
    password = "ü" * 100 + "-exactly-128-characters-long"
    assert len(password) == 128
    assert (await register(client, "alice", password)).status_code == 201
    ok = await client.post("/token", data={"username": "alice", "password": password})
    assert ok.status_code == 200
    # the same first 100 characters (over 72 bytes) with another ending must not log in
    wrong = await client.post("/token", data={"username": "alice", "password": password[:-1] + "X"})
    assert wrong.status_code == 400


async def test_minimum_length_follows_the_setting(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, password_min_length=20)) as (_, client):
        response = await register(client, "alice", "nineteen-characters")
        assert response.status_code == 422
        assert "at least 20 characters" in response.json()["detail"][0]["msg"]
        assert (await register(client, "alice", "twenty-characters-ok")).status_code == 201


async def test_closed_registration_is_403(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, registration_open=False)) as (_, client):
        response = await register(client, "alice")
        assert response.status_code == 403
        assert response.json() == {"detail": "Registration is closed"}
        assert await User.all().count() == 0


async def test_malformed_json_is_422_not_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/register",
        content=b'{"username": "alice", "password": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422


async def test_invalid_email_is_422(client: httpx.AsyncClient) -> None:
    response = await register(client, "alice", email="not-an-address")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]


async def test_sixteen_simultaneous_registrations_give_one_201_and_fifteen_409(
    client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(*(register(client, "racer") for _ in range(16)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 15
    assert await User.filter(username_key="racer").count() == 1
