"""Requests to other providers: https only (loopback hosts aside, or everywhere with ALLOW_HTTP_PROVIDERS),
never toward a link-local address (a cloud's metadata service lives there), no redirect followed, ten seconds
in all, answers of bounded size, and one error for every failure."""

import asyncio
import base64
import json
import socket
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any
from urllib.parse import quote_plus, urlsplit

import httpx

# for the whole call: resolving, connecting, sending and reading (httpx's timeouts are per operation)
DEADLINE_SECONDS = 10.0
TIMEOUT = httpx.Timeout(DEADLINE_SECONDS, connect=5.0)
# a discovery document, a JWKS or a token answer is a few kilobytes
MAX_BYTES = 256 * 1024


class ProviderUnavailable(Exception):
    """The provider did not answer, answered an error, or answered something that is not a JSON object."""


def check_url(url: str, *, allow_http: bool) -> None:
    """ProviderUnavailable unless `url` is https, or http toward a loopback host (any with `allow_http`)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and (allow_http or _is_loopback(parts.hostname)):
        return
    raise ProviderUnavailable(f"{url[:200]!r} is not an https URL")


async def get_json(url: str, *, allow_http: bool, bearer: str | None = None) -> dict[str, Any]:
    """GET a JSON object (with an access token when `bearer` is given)."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return (await _exchange("GET", url, allow_http=allow_http, headers=headers, only_ok=True))[1]


async def post_form(
    url: str, data: dict[str, str], *, auth: tuple[str, str] | None, allow_http: bool
) -> tuple[int, dict[str, Any]]:
    """POST a form, authenticated with `client_secret_basic` when `auth` is given; the status and the JSON
    object answered (a 400's OAuth error too)."""
    headers = {"Authorization": basic_authorization(*auth)} if auth is not None else {}
    return await _exchange("POST", url, allow_http=allow_http, headers=headers, data=data, only_ok=False)


def basic_authorization(client_id: str, client_secret: str) -> str:
    """`client_secret_basic`'s Authorization header: both parts form-urlencoded first (RFC 6749 2.3.1)."""
    pair = f"{quote_plus(client_id, safe='')}:{quote_plus(client_secret, safe='')}"
    return f"Basic {base64.b64encode(pair.encode()).decode()}"


async def _exchange(
    method: str,
    url: str,
    *,
    allow_http: bool,
    headers: dict[str, str],
    data: dict[str, str] | None = None,
    only_ok: bool,
) -> tuple[int, dict[str, Any]]:
    check_url(url, allow_http=allow_http)
    try:
        async with asyncio.timeout(DEADLINE_SECONDS):
            return await _send(method, url, headers=headers, data=data, only_ok=only_ok)
    except TimeoutError:
        raise ProviderUnavailable(f"{url}: no whole answer within {DEADLINE_SECONDS:g} s") from None


async def _send(
    method: str, url: str, *, headers: dict[str, str], data: dict[str, str] | None, only_ok: bool
) -> tuple[int, dict[str, Any]]:
    target = httpx.URL(url)
    addresses = await _addresses(target.host, target.port or (443 if target.scheme == "https" else 80))
    # the checked address is the one connected to: a name resolving elsewhere a second time changes nothing
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    headers = {"Accept": "application/json", "Host": target.netloc.decode("ascii"), **headers}
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        for index, address in enumerate(addresses):
            try:
                pinned = target.copy_with(host=address)
                request = client.build_request(
                    method, pinned, headers=headers, data=data, extensions=extensions
                )
                response = await client.send(request, stream=True)
                try:
                    if response.is_redirect or (only_ok and response.status_code != httpx.codes.OK):
                        # a redirect is never followed: it could lead anywhere the checks above did not look
                        raise ProviderUnavailable(f"{url} answered {response.status_code}")
                    return response.status_code, await _read(response, url=url)
                finally:
                    await response.aclose()
            except httpx.ConnectError:
                if index == len(addresses) - 1:
                    raise ProviderUnavailable(f"{url}: ConnectError") from None
            except httpx.HTTPError as exc:
                raise ProviderUnavailable(f"{url}: {type(exc).__name__}") from None
    raise ProviderUnavailable(f"{url}: no address")


async def _addresses(host: str, port: int) -> list[str]:
    """The host's addresses, unless one of them is link-local."""
    try:
        found = [str(ip_address(host))]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):  # UnicodeError: a label the IDNA codec refuses (over 63 characters)
            raise ProviderUnavailable(f"{host[:100]}: no such host") from None
        found = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if any(_is_link_local(ip_address(address.split("%")[0])) for address in found):
        raise ProviderUnavailable(f"{host} is a link-local address: refused")
    return found


def _is_link_local(address: IPv4Address | IPv6Address) -> bool:
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_link_local
    return address.is_link_local


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


async def _read(response: httpx.Response, *, url: str) -> dict[str, Any]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise ProviderUnavailable(f"{url} answered more than {MAX_BYTES} bytes")
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks))
    except ValueError:
        raise ProviderUnavailable(f"{url} answered no JSON") from None
    if not isinstance(body, dict):
        raise ProviderUnavailable(f"{url} answered no JSON object")
    return body
