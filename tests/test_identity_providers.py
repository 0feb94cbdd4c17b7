"""Registering other identity providers (scope `admin`): the issuer's discovery document fetched over real
HTTP from a small server of the test's own, and checked before anything is kept."""

import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from api.db.models import IdentityProvider

from .clients import Admin, admin_session
from .live import free_port


class _Issuer(BaseHTTPRequestHandler):
    """Serves a discovery document as the test sets it: `server.document` (bytes)."""

    def do_GET(self) -> None:  # noqa: N802 -- the standard library's name
        body: bytes = self.server.document  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 -- the standard library's name
        pass


@pytest.fixture
def issuer() -> Iterator[ThreadingHTTPServer]:
    """A real HTTP server on a free port whose discovery document each test sets."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Issuer)
    server.document = b"{}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _document(issuer: str, **extra: object) -> bytes:
    return json.dumps(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            **extra,
        }
    ).encode()


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[Admin]:
    async with admin_session(tmp_path) as session:
        yield session


def _body(issuer: str, **fields: object) -> dict[str, object]:
    return {"name": "company", "display_name": "Company", "issuer": issuer, "client_id": "c1", **fields}


async def test_a_provider_is_added_without_showing_its_secret_and_kept_sealed(
    admin: Admin, issuer: ThreadingHTTPServer
) -> None:
    issuer.document = _document(_url(issuer))  # type: ignore[attr-defined]
    added = await admin.client.post(
        "/identity-providers", json=_body(_url(issuer), client_secret="s3cret-value"), headers=admin.headers
    )
    listed = await admin.client.get("/identity-providers", headers=admin.headers)
    taken = await admin.client.post("/identity-providers", json=_body(_url(issuer)), headers=admin.headers)
    stored = await IdentityProvider.get(name="company")
    assert added.status_code == 201, added.text
    assert "client_secret" not in added.json() and "s3cret-value" not in added.text + listed.text
    assert added.json()["scopes"] == "openid email profile"
    assert added.json()["link_verified_email"] is False and added.json()["create_accounts"] is True
    assert [provider["name"] for provider in listed.json()] == ["company"]
    assert taken.status_code == 409
    assert stored.sealed_secret is not None and "s3cret-value" not in stored.sealed_secret


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (lambda url: _document(url.replace("127.0.0.1", "localhost")), "names the issuer"),
        (lambda url: json.dumps({"issuer": url}).encode(), "no authorization_endpoint"),
        (lambda _url: b"not json", "no JSON"),
        (lambda url: _document(url, padding="x" * 300_000), "more than"),
    ],
)
async def test_a_discovery_document_that_does_not_check_out_is_422(
    admin: Admin, issuer: ThreadingHTTPServer, document: object, words: str
) -> None:
    issuer.document = document(_url(issuer))  # type: ignore[attr-defined,operator]
    refused = await admin.client.post("/identity-providers", json=_body(_url(issuer)), headers=admin.headers)
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "issuer"] and words in problem["msg"]
    assert await IdentityProvider.all().count() == 0


async def test_an_unreachable_issuer_or_a_bad_name_is_422(admin: Admin) -> None:
    unreachable = await admin.client.post(
        "/identity-providers", json=_body(f"http://127.0.0.1:{free_port()}"), headers=admin.headers
    )
    bad_name = await admin.client.post(
        "/identity-providers", json=_body("https://sso.example.com", name="Not A Slug"), headers=admin.headers
    )
    assert unreachable.status_code == 422 and unreachable.json()["detail"][0]["loc"] == ["body", "issuer"]
    assert bad_name.status_code == 422 and bad_name.json()["detail"][0]["loc"] == ["body", "name"]


@pytest.mark.parametrize("host", ["0" * 64 + ".example", "a." * 130 + "example"])
async def test_an_issuer_whose_host_no_resolver_takes_is_422_not_a_server_error(
    admin: Admin, host: str
) -> None:
    refused = await admin.client.post(
        "/identity-providers", json=_body(f"https://{host}"), headers=admin.headers
    )
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "issuer"]
    assert await IdentityProvider.all().count() == 0


async def test_removing_a_provider_is_204_then_404(admin: Admin, issuer: ThreadingHTTPServer) -> None:
    issuer.document = _document(_url(issuer))  # type: ignore[attr-defined]
    await admin.client.post("/identity-providers", json=_body(_url(issuer)), headers=admin.headers)
    first = await admin.client.delete("/identity-providers/company", headers=admin.headers)
    second = await admin.client.delete("/identity-providers/company", headers=admin.headers)
    assert (first.status_code, second.status_code) == (204, 404)


async def test_only_administrators_manage_providers(admin: Admin) -> None:
    assert (await admin.client.get("/identity-providers")).status_code == 401
