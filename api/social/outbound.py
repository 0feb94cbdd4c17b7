"""Requests to other providers: short timeouts, answers of bounded size, and one error for every failure."""

import json
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# a discovery document, a JWKS or a token answer is a few kilobytes
MAX_BYTES = 256 * 1024


class ProviderUnavailable(Exception):
    """The provider did not answer, answered an error, or answered something that is not a JSON object."""


async def get_json(url: str) -> dict[str, Any]:
    """GET a JSON object."""
    return await _send("GET", url)


async def post_form(
    url: str, data: dict[str, str], *, auth: tuple[str, str] | None
) -> tuple[int, dict[str, Any]]:
    """POST a form; the status and the JSON object answered (a 400's OAuth error too)."""
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        try:
            async with client.stream(
                "POST", url, data=data, auth=auth, headers={"Accept": "application/json"}
            ) as response:
                body = await _read(response)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"{url}: {type(exc).__name__}") from None
    return response.status_code, body


async def _send(method: str, url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        try:
            async with client.stream(method, url, headers={"Accept": "application/json"}) as response:
                if response.status_code != httpx.codes.OK:
                    raise ProviderUnavailable(f"{url} answered {response.status_code}")
                return await _read(response)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"{url}: {type(exc).__name__}") from None


async def _read(response: httpx.Response) -> dict[str, Any]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise ProviderUnavailable(f"{response.url} answered more than {MAX_BYTES} bytes")
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks))
    except ValueError:
        raise ProviderUnavailable(f"{response.url} answered no JSON") from None
    if not isinstance(body, dict):
        raise ProviderUnavailable(f"{response.url} answered no JSON object")
    return body
