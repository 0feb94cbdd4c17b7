"""Back-channel logout as registered and advertised: the client fields, their rules, the discovery document,
and one place in the code where a session ends."""

import ast
from pathlib import Path
from typing import Any

import pytest

from .oidc import provider

API = Path(__file__).parent.parent / "api"
APP = {
    "name": "A",
    "grant_types": ["authorization_code"],
    "scopes": ["openid"],
    "redirect_uris": ["https://app.example/cb"],
}


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example/backchannel-logout",
        "https://app.example:8443/logout?tenant=1",
        "http://127.0.0.1:8080/logout",
        "http://[::1]:8080/logout",
        "http://localhost/logout",
    ],
)
async def test_a_logout_uri_is_https_or_http_on_a_loopback_host(tmp_path: Path, uri: str) -> None:
    async with provider(tmp_path) as p:
        created = await p.client.post(
            "/clients", json={**APP, "backchannel_logout_uri": uri}, headers=p.admin
        )
        shown = (await p.client.get(f"/clients/{created.json()['client_id']}", headers=p.admin)).json()
    assert created.status_code == 201, created.text
    assert shown["backchannel_logout_uri"] == uri
    assert shown["backchannel_logout_session_required"] is True


@pytest.mark.parametrize(
    "uri",
    [
        "http://app.example/logout",
        "https://app.example/logout#fragment",
        "ftp://app.example/logout",
        "https:///logout",
        "not a url",
    ],
)
async def test_other_logout_uris_are_422(tmp_path: Path, uri: str) -> None:
    async with provider(tmp_path) as p:
        created = await p.client.post(
            "/clients", json={**APP, "backchannel_logout_uri": uri}, headers=p.admin
        )
        listed = await p.client.get("/clients", headers=p.admin)
    assert created.status_code == 422, created.text
    assert created.json()["detail"][0]["loc"] == ["body", "backchannel_logout_uri"]
    assert listed.json() == []


async def test_the_fields_default_to_none_and_true_change_and_null_removes_the_uri(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        shown = (await p.client.get(f"/clients/{app.client_id}", headers=p.admin)).json()
        path = f"/clients/{app.client_id}"
        changes: dict[str, Any] = {
            "backchannel_logout_uri": "https://app.example/bcl",
            "backchannel_logout_session_required": False,
        }
        patched = await p.client.patch(path, json=changes, headers=p.admin)
        bad = await p.client.patch(
            path, json={"backchannel_logout_uri": "http://app.example/"}, headers=p.admin
        )
        untouched = await p.client.patch(path, json={"name": "B"}, headers=p.admin)
        removed = await p.client.patch(path, json={"backchannel_logout_uri": None}, headers=p.admin)
    assert (shown["backchannel_logout_uri"], shown["backchannel_logout_session_required"]) == (None, True)
    assert patched.status_code == 200
    assert patched.json()["backchannel_logout_uri"] == "https://app.example/bcl"
    assert patched.json()["backchannel_logout_session_required"] is False
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "backchannel_logout_uri"]
    assert untouched.json()["backchannel_logout_uri"] == "https://app.example/bcl"
    assert removed.json()["backchannel_logout_uri"] is None


async def test_discovery_advertises_back_channel_logout_with_sid(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        metadata = (await p.client.get("/.well-known/openid-configuration")).json()
    assert metadata["backchannel_logout_supported"] is True
    assert metadata["backchannel_logout_session_supported"] is True


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Call | ast.Attribute):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def test_sessions_end_only_in_sessions_end() -> None:
    """A session's `revoked_at` is written by `sessions.end()` alone, which also tells the apps: a new way
    to end a session cannot forget them."""
    writes = []
    for path in sorted(API.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        functions = [
            node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for function in functions:
            for node in ast.walk(function):
                written = (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "update"
                    and _root_name(node.func) == "Session"
                    and any(keyword.arg == "revoked_at" for keyword in node.keywords)
                ) or (
                    isinstance(node, ast.Assign)
                    and any(
                        isinstance(target, ast.Attribute) and target.attr == "revoked_at"
                        for target in node.targets
                    )
                )
                if written:
                    writes.append(f"{path.relative_to(API.parent)}:{function.name}")
    assert writes == ["api/services/sessions.py:end"]
