"""Apps registered for the authorization code flow: the new client fields, the redirect-URI rules
(RFC 9700, RFC 8252) through the API and `create-client`."""

from pathlib import Path

import pytest

from .clients import output_field
from .live import run_py
from .oidc import provider


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example/callback",
        "https://app.example:8443/cb?tenant=1",
        "http://127.0.0.1/callback",
        "http://127.0.0.1:8080/callback",
        "http://[::1]:8080/callback",
        "http://localhost:3000/callback",
        "com.example.app:/callback",
        "com.example.app:/oauth2redirect/example-provider",
    ],
)
async def test_allowed_redirect_uris_are_kept_exactly(tmp_path: Path, uri: str) -> None:
    async with provider(tmp_path) as p:
        response = await p.client.post(
            "/clients",
            json={
                "name": "A",
                "grant_types": ["authorization_code"],
                "scopes": ["openid"],
                "redirect_uris": [uri],
            },
            headers=p.admin,
        )
    assert response.status_code == 201, response.text
    assert response.json()["redirect_uris"] == [uri]


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("http://app.example/callback", "loopback"),
        ("https://app.example/callback#fragment", "fragment"),
        ("https://*.example/callback", "wildcard"),
        ("https://app.example/*", "wildcard"),
        ("myapp:/callback", "private-use scheme"),
        ("javascript:alert(1)", "private-use scheme"),
        ("https:///callback", "needs a host"),
        ("https://app.example/ callback", "spaces"),
        ("/callback", "private-use scheme"),
    ],
)
async def test_refused_redirect_uris_are_422_and_nothing_is_registered(
    tmp_path: Path, uri: str, words: str
) -> None:
    async with provider(tmp_path) as p:
        response = await p.client.post(
            "/clients",
            json={
                "name": "A",
                "grant_types": ["authorization_code"],
                "scopes": ["openid"],
                "redirect_uris": [uri],
            },
            headers=p.admin,
        )
        listed = await p.client.get("/clients", headers=p.admin)
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "redirect_uris"] and words in problem["msg"]
    assert listed.json() == []


async def test_post_logout_redirect_uris_follow_the_same_rules(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        response = await p.client.post(
            "/clients",
            json={
                "name": "A",
                "grant_types": ["authorization_code"],
                "scopes": ["openid"],
                "redirect_uris": ["https://app.example/cb"],
                "post_logout_redirect_uris": ["http://app.example/bye"],
            },
            headers=p.admin,
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "post_logout_redirect_uris"]


async def test_the_code_grant_needs_a_redirect_uri_and_a_public_client_needs_pkce(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        no_uri = await p.client.post(
            "/clients",
            json={"name": "A", "grant_types": ["authorization_code"], "scopes": ["openid"]},
            headers=p.admin,
        )
        public_without_pkce = await p.client.post(
            "/clients",
            json={
                "name": "A",
                "grant_types": ["authorization_code"],
                "scopes": ["openid"],
                "redirect_uris": ["https://app.example/cb"],
                "confidential": False,
                "require_pkce": False,
            },
            headers=p.admin,
        )
    assert no_uri.status_code == 422 and no_uri.json()["detail"][0]["loc"] == ["body", "redirect_uris"]
    assert public_without_pkce.status_code == 422
    assert public_without_pkce.json()["detail"][0]["loc"] == ["body", "require_pkce"]


async def test_the_new_fields_default_and_change(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(confidential=False)
        shown = (await p.client.get(f"/clients/{app.client_id}", headers=p.admin)).json()
        patched = await p.client.patch(
            f"/clients/{app.client_id}",
            json={"trusted": True, "post_logout_redirect_uris": ["https://app.example/bye"]},
            headers=p.admin,
        )
        bad = await p.client.patch(
            f"/clients/{app.client_id}", json={"redirect_uris": ["http://app.example/cb"]}, headers=p.admin
        )
    assert shown["confidential"] is False and shown["require_pkce"] is True and shown["trusted"] is False
    assert shown["post_logout_redirect_uris"] == [] and shown["id_token_signed_response_alg"] == "RS256"
    assert patched.status_code == 200
    assert patched.json()["trusted"] is True
    assert patched.json()["post_logout_redirect_uris"] == ["https://app.example/bye"]
    assert bad.status_code == 422


def test_create_client_registers_an_app_for_the_code_flow(tmp_path: Path, fresh_database_url: str) -> None:
    made = run_py(
        tmp_path,
        fresh_database_url,
        "create-client",
        "Notes",
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--redirect-uri",
        "https://notes.example/callback",
        "--post-logout-redirect-uri",
        "https://notes.example/",
        "--trusted",
    )
    public = run_py(
        tmp_path,
        fresh_database_url,
        "create-client",
        "CLI tool",
        "--grant",
        "authorization_code",
        "--redirect-uri",
        "http://127.0.0.1/callback",
        "--public",
    )
    refused = run_py(
        tmp_path,
        fresh_database_url,
        "create-client",
        "Bad",
        "--grant",
        "authorization_code",
        "--redirect-uri",
        "http://notes.example/callback",
    )
    assert made.returncode == 0, made.stderr
    assert output_field(made.stdout, "client_id") and output_field(made.stdout, "client_secret")
    assert public.returncode == 0, public.stderr
    assert "client_secret" not in public.stdout
    assert refused.returncode == 1 and "loopback" in refused.stderr
