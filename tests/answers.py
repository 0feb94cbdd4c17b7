"""A warm `GET /user/me` answer, proved cached: the invalidation tests' helpers."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from tortoise import connections

from .conftest import bearer

Write = Callable[[httpx.AsyncClient, dict[str, str]], Coroutine[Any, Any, object]]


async def behind_the_cache(username: str, full_name: str) -> None:
    """Change a user's row with raw SQL, which no tracking sees."""
    client = connections.get("default")
    mark = "$1" if client.capabilities.dialect == "postgres" else "?"
    await client.execute_query(
        f'UPDATE "users" SET "full_name" = {mark} WHERE "username_key" = {mark.replace("1", "2")}',
        [full_name, username],
    )


async def me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get("/user/me", headers=bearer(access_token))


async def cached(client: httpx.AsyncClient, username: str, access_token: str) -> dict[str, object]:
    """The user's answer, once the cache gives it (PostgreSQL's feed must be listening first)."""
    for attempt in range(100):
        await behind_the_cache(username, f"before-{attempt}")
        first = await me(client, access_token)
        await behind_the_cache(username, f"behind-{attempt}")
        second = await me(client, access_token)
        if second.json() == first.json():
            body: dict[str, object] = first.json()
            return body
        await asyncio.sleep(0.05)
    pytest.fail("the answer was never cached")
