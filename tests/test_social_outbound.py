"""Calls to other providers (`api/social/outbound.py`), seen through registering a provider: https unless a
loopback host or ALLOW_HTTP_PROVIDERS, never toward link-local addresses, no redirect followed, an overall
deadline; and `client_secret_basic`'s encoding. The providers are real HTTP servers of the test's own."""

import base64
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.social import outbound

from .conftest import admin_token, bearer, make_settings, serve
from .live import free_port


class _Provider(BaseHTTPRequestHandler):
    """Answers as `server.answer(handler)` says, and counts the requests in `server.hits`."""

    def do_GET(self) -> None:  # noqa: N802 -- the standard library's name
        self.server.hits += 1  # type: ignore[attr-defined]
        self.server.answer(self)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 -- the standard library's name
        pass


@pytest.fixture
def servers() -> Iterator[list[ThreadingHTTPServer]]:
    """Two real HTTP servers on loopback, each answering with a discovery document until a test says else;
    `released` is set when the test ends (a server may hold an answer until then)."""
    started = []
    released = threading.Event()
    for _ in range(2):
        server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Provider)
        server.daemon_threads = True
        server.hits = 0  # type: ignore[attr-defined]
        server.released = released  # type: ignore[attr-defined]
        server.answer = lambda handler: _json(handler, _document(_url(handler.server)))  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
    yield started
    released.set()
    for server in started:
        server.shutdown()
        server.server_close()


def _url(server: Any) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _document(issuer: str, **extra: object) -> dict[str, object]:
    endpoints = {name: f"{issuer}/{name}" for name in ("authorize", "token", "jwks", "userinfo")}
    return {
        "issuer": issuer,
        "authorization_endpoint": endpoints["authorize"],
        "token_endpoint": endpoints["token"],
        "jwks_uri": endpoints["jwks"],
        "userinfo_endpoint": endpoints["userinfo"],
        **extra,
    }


def _json(handler: BaseHTTPRequestHandler, document: dict[str, object]) -> None:
    body = json.dumps(document).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@asynccontextmanager
async def _admin(tmp_path: Path, **settings: Any) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    async with serve(make_settings(tmp_path, **settings)) as (_, client):
        yield client, bearer(await admin_token(client))


async def _add(client: httpx.AsyncClient, headers: dict[str, str], issuer: str) -> httpx.Response:
    body = {"name": "company", "display_name": "Company", "issuer": issuer, "client_id": "c1"}
    return await client.post("/identity-providers", json=body, headers=headers)


def _refusal(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "issuer"]
    message: str = problem["msg"]
    return message


async def test_an_http_issuer_is_refused_unless_on_a_loopback_host(
    tmp_path: Path, servers: list[ThreadingHTTPServer]
) -> None:
    async with _admin(tmp_path) as (client, headers):
        assert "not an https URL" in _refusal(await _add(client, headers, "http://sso.example.com"))
        assert (await _add(client, headers, _url(servers[0]))).status_code == 201


async def test_endpoints_over_http_beyond_loopback_are_refused_unless_allow_http_providers(
    tmp_path: Path, servers: list[ThreadingHTTPServer]
) -> None:
    issuer = _url(servers[0])
    document = _document(issuer, token_endpoint="http://sso.internal.example/token")
    servers[0].answer = lambda handler: _json(handler, document)  # type: ignore[attr-defined]
    async with _admin(tmp_path / "strict") as (client, headers):
        assert "not an https URL" in _refusal(await _add(client, headers, issuer))
    async with _admin(tmp_path / "private", allow_http_providers=True) as (client, headers):
        assert (await _add(client, headers, issuer)).status_code == 201


@pytest.mark.parametrize(
    "issuer",
    ["http://169.254.169.254", "https://169.254.169.254", "http://[fe80::1]", "http://[::ffff:169.254.0.1]"],
)
async def test_a_link_local_provider_is_refused(tmp_path: Path, issuer: str) -> None:
    async with _admin(tmp_path, allow_http_providers=True) as (client, headers):
        assert "link-local" in _refusal(await _add(client, headers, issuer))


async def test_a_host_name_with_a_label_over_63_characters_is_refused_not_a_500(tmp_path: Path) -> None:
    async with _admin(tmp_path) as (client, headers):
        assert "no such host" in _refusal(await _add(client, headers, "https://" + "0" * 400))


async def test_a_redirect_is_not_followed(tmp_path: Path, servers: list[ThreadingHTTPServer]) -> None:
    elsewhere = _url(servers[1])

    def redirect(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", f"{elsewhere}/.well-known/openid-configuration")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    servers[0].answer = redirect  # type: ignore[attr-defined]
    async with _admin(tmp_path) as (client, headers):
        assert "answered 302" in _refusal(await _add(client, headers, _url(servers[0])))
    assert servers[1].hits == 0  # type: ignore[attr-defined]


async def test_an_answer_that_never_ends_is_cut_at_the_overall_deadline(
    tmp_path: Path, servers: list[ThreadingHTTPServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    # httpx's timeouts are per read: a provider that keeps the answer open is stopped only by the deadline
    monkeypatch.setattr(outbound, "DEADLINE_SECONDS", 0.5)

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b'{"issuer": ')
        handler.wfile.flush()
        handler.server.released.wait()  # type: ignore[attr-defined]

    servers[0].answer = trickle  # type: ignore[attr-defined]
    async with _admin(tmp_path) as (client, headers):
        began = time.monotonic()
        message = _refusal(await _add(client, headers, _url(servers[0])))
        took = time.monotonic() - began
    assert "no whole answer within 0.5 s" in message and took < 5


def test_client_secret_basic_form_urlencodes_the_id_and_the_secret() -> None:
    header = outbound.basic_authorization("my app:1", "s3cret: 100% sure+ok")
    scheme, encoded = header.split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == "my+app%3A1:s3cret%3A+100%25+sure%2Bok"
