"""Helpers of the console's tests: an administrator's browser, and the console's forms as it sends them."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from api.db.models import AuditEvent, User

from .conftest import direct_writes, make_settings, register, serve, stored_audit
from .forms import BROWSER, browser_login, csrf_of


@asynccontextmanager
async def admin_browser(tmp_path: Path, **settings: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app, and a browser signed in as the administrator `root` (with `alice` registered too)."""
    async with serve(make_settings(tmp_path, **settings), base_url="https://testserver") as (app, client):
        assert (await register(client, "root")).status_code == 201
        assert (await register(client, "alice", email="alice@example.com")).status_code == 201
        async with direct_writes(client):
            await User.filter(username_key="root").update(is_admin=True)
        assert (await browser_login(client, "root")).status_code == 303
        yield app, client


async def page(client: httpx.AsyncClient, path: str, expected: int = 200) -> str:
    """A console page's HTML, after checking its status."""
    response = await client.get(path)
    assert response.status_code == expected, response.text
    return response.text


async def submit(client: httpx.AsyncClient, path: str, **form: str) -> httpx.Response:
    """A console form, sent with the CSRF token of the page it is on."""
    token = csrf_of(await page(client, "/admin/users"))
    return await client.post(path, data={"csrf_token": token, **form}, headers=BROWSER)


async def user_id(username: str) -> int:
    """The id of the account with this username."""
    return (await User.get(username_key=username)).id


async def events(client: httpx.AsyncClient, event: str) -> list[AuditEvent]:
    """The stored events of this kind, oldest first."""
    await stored_audit(client)
    return await AuditEvent.filter(event=event).order_by("id")


def shown_usernames(html: str) -> list[str]:
    """The usernames the users page lists."""
    return re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', html)
