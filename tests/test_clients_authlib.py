"""Registered clients end to end with a real OAuth2 client library (Authlib) over real HTTP against
`python run.py`."""

import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest

from .clients import API_SCOPES, NOT_ENOUGH_PERMISSIONS, Admin, Registered, admin_session, output_field
from .conftest import bearer
from .live import run_py, running_service

with warnings.catch_warnings():
    # Authlib 1.9 deprecates its httpx client on plain httpx (it wants httpx2); its own filter says "always"
    from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
    from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[Admin]:
    """The app with API_SCOPES billing:read and billing:write, and an administrator signed in."""
    async with admin_session(tmp_path) as session:
        yield session


# --- end to end: Authlib over real HTTP against `python run.py` ---


@dataclass(frozen=True)
class LiveClient:
    """The running service's base URL, and a client registered with create-client."""

    url: str
    registered: Registered


@pytest.fixture
def live(tmp_path: Path, fresh_database_url: str) -> Iterator[LiveClient]:
    """`python run.py` on a free port, with API_SCOPES, and a client made by `create-client`."""
    result = run_py(
        tmp_path,
        fresh_database_url,
        "create-client",
        "billing service",
        "--grant",
        "client_credentials",
        "--scope",
        "billing:read",
        "billing:write",
        API_SCOPES=API_SCOPES,
    )
    assert result.returncode == 0, result.stderr
    registered = Registered(
        client_id=output_field(result.stdout, "client_id"),
        secret=output_field(result.stdout, "client_secret"),
    )
    with running_service(tmp_path, fresh_database_url, extra_env={"API_SCOPES": API_SCOPES}) as service:
        yield LiveClient(url=service.url, registered=registered)


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_authlib_fetches_a_client_credentials_token_that_introspects_active(
    live: LiveClient, auth_method: str
) -> None:
    registered = live.registered
    with OAuth2Client(
        client_id=registered.client_id,
        client_secret=registered.secret,
        token_endpoint_auth_method=auth_method,
    ) as oauth:
        token = oauth.fetch_token(f"{live.url}/token", grant_type="client_credentials")
        narrowed = oauth.fetch_token(
            f"{live.url}/token", grant_type="client_credentials", scope="billing:read"
        )
    assert token["token_type"] == "bearer"
    assert token["scope"] == "billing:read billing:write"
    assert token["expires_in"] == 30 * 60
    assert "refresh_token" not in token
    assert narrowed["scope"] == "billing:read"
    claims = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert claims["sub"] == claims["client_id"] == registered.client_id
    response = httpx.post(
        f"{live.url}/token/introspect",
        data={"token": token["access_token"]},
        auth=(registered.client_id, registered.secret),
    )
    assert response.status_code == 200
    assert response.json() == {
        "active": True,
        "scope": "billing:read billing:write",
        "client_id": registered.client_id,
        "sub": registered.client_id,
        "exp": claims["exp"],
        "iat": claims["iat"],
        "token_type": "Bearer",
    }
    me = httpx.get(f"{live.url}/user/me", headers=bearer(token["access_token"]))
    assert me.status_code == 403 and me.json() == NOT_ENOUGH_PERMISSIONS


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_authlib_with_a_wrong_secret_raises_invalid_client(live: LiveClient, auth_method: str) -> None:
    with (
        OAuth2Client(
            client_id=live.registered.client_id,
            client_secret=live.registered.secret + "x",
            token_endpoint_auth_method=auth_method,
        ) as oauth,
        pytest.raises(OAuthError) as raised,
    ):
        oauth.fetch_token(f"{live.url}/token", grant_type="client_credentials")
    assert raised.value.error == "invalid_client"
    assert raised.value.description == "Client authentication failed"
