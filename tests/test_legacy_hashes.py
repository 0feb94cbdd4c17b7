"""Accounts imported with bcrypt hashes: they still log in, and move to Argon2id on the way."""

import httpx
from passlib.hash import bcrypt

from api.db.models import User

from .conftest import PASSWORD, login


async def test_bcrypt_hash_verifies_and_is_rehashed_to_argon2id(client: httpx.AsyncClient) -> None:
    await User.create(username="legacy", username_key="legacy", password_hash=bcrypt.hash(PASSWORD))
    assert (await login(client, "legacy", "wrong-password")).status_code == 400
    assert (await User.get(username_key="legacy")).password_hash.startswith("$2b$")
    assert (await login(client, "legacy")).status_code == 200
    assert (await User.get(username_key="legacy")).password_hash.startswith("$argon2id$")
    assert (await login(client, "legacy")).status_code == 200


async def test_legacy_bcrypt_hash_of_a_long_password_still_verifies(client: httpx.AsyncClient) -> None:
    long_password = "correct horse battery staple " * 4
    # older bcrypt silently hashed only the first 72 bytes of the password
    legacy = bcrypt.hash(long_password.encode()[:72])
    await User.create(username="legacy", username_key="legacy", password_hash=legacy)
    assert (await login(client, "legacy", long_password)).status_code == 200
    assert (await User.get(username_key="legacy")).password_hash.startswith("$argon2id$")
