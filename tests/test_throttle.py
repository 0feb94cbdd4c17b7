"""Login throttling: per address and username, per address, across workers through the database."""

from datetime import timedelta
from pathlib import Path

import httpx
from tortoise.timezone import now

from api.db.models import LoginThrottle

from .conftest import PASSWORD, login, make_settings, register, serve


def client_from(app: object, ip: str) -> httpx.AsyncClient:
    """Another client of the same app, coming from another address."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def fail(client: httpx.AsyncClient, times: int, username: str = "alice") -> list[int]:
    return [(await login(client, username, "wrong-password")).status_code for _ in range(times)]


async def test_sixth_attempt_after_five_failures_is_429_with_retry_after(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    assert await fail(client, 5) == [400] * 5
    response = await login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "try again in" in response.json()["detail"]


async def test_the_delay_grows_with_each_further_failure(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await fail(client, 5)
    first = int((await login(client, "alice", "wrong-password")).headers["retry-after"])
    # let the block pass, then fail once more: the next block is longer
    await LoginThrottle.all().update(blocked_until=now() - timedelta(seconds=1))
    assert (await login(client, "alice", "wrong-password")).status_code == 400
    second = int((await login(client, "alice", "wrong-password")).headers["retry-after"])
    assert second > first


async def test_unknown_usernames_are_counted_like_known_ones(client: httpx.AsyncClient) -> None:
    assert await fail(client, 5, "nobody") == [400] * 5
    assert (await login(client, "nobody", "wrong-password")).status_code == 429


async def test_failures_from_one_address_never_block_the_user_from_another(app: object) -> None:
    async with client_from(app, "203.0.113.1") as attacker, client_from(app, "198.51.100.7") as owner:
        await register(owner, "alice")
        await fail(attacker, 6)
        assert (await login(attacker, "alice", PASSWORD)).status_code == 429
        assert (await login(owner, "alice", PASSWORD)).status_code == 200


async def test_a_success_resets_the_count(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await fail(client, 4)
    assert (await login(client, "alice", PASSWORD)).status_code == 200
    assert await fail(client, 4) == [400] * 4
    assert (await login(client, "alice", PASSWORD)).status_code == 200


async def test_failures_older_than_the_window_are_forgotten(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await fail(client, 4)
    await LoginThrottle.all().update(last_failure_at=now() - timedelta(minutes=16))
    await fail(client, 1)
    assert (await login(client, "alice", PASSWORD)).status_code == 200


async def test_one_address_spraying_many_usernames_is_stopped(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_max_failures_per_address=10)
    async with serve(settings) as (app, client):
        for n in range(10):
            assert (await login(client, f"user{n}", "wrong-password")).status_code == 400
        assert (await login(client, "user99", "wrong-password")).status_code == 429
        async with client_from(app, "198.51.100.7") as other:
            assert (await login(other, "user99", "wrong-password")).status_code == 400


async def test_limits_are_settings(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, login_max_failures=2)) as (_, client):
        await register(client, "alice")
        assert await fail(client, 3) == [400, 400, 429]


async def test_throttled_attempts_are_not_counted_and_no_username_is_stored(
    client: httpx.AsyncClient,
) -> None:
    await fail(client, 6, "a-typed-password-maybe")
    rows = await LoginThrottle.all()
    assert len(rows) == 2
    assert all("a-typed-password-maybe" not in row.key for row in rows)
    assert max(row.failures for row in rows) == 5


async def test_proxy_headers_are_ignored_unless_the_proxy_is_trusted(tmp_path: Path) -> None:
    spoofed = {"X-Forwarded-For": "192.0.2.44"}
    async with serve(make_settings(tmp_path)) as (app, _), client_from(app, "203.0.113.1") as client:
        await register(client, "alice")
        for _ in range(5):
            await client.post("/token", data={"username": "alice", "password": "x" * 9}, headers=spoofed)
        # the spoofed header did not move the failures to another address
        assert (await login(client, "alice", PASSWORD)).status_code == 429


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, trusted_proxies="10.0.0.0/8")
    async with serve(settings) as (app, _), client_from(app, "10.0.0.5") as proxy:
        await register(proxy, "alice")

        async def attempt(address: str, password: str) -> int:
            form = {"username": "alice", "password": password}
            response = await proxy.post(
                "/token", data=form, headers={"X-Forwarded-For": f"{address}, 10.0.0.9"}
            )
            return response.status_code

        assert [await attempt("192.0.2.44", "x" * 9) for _ in range(5)] == [400] * 5
        assert await attempt("192.0.2.44", PASSWORD) == 429
        assert await attempt("192.0.2.45", PASSWORD) == 200
