"""docs/http-api.md: "Verifying our tokens in another service", run as written against the service."""

import re
import time
from pathlib import Path
from typing import Any

import httpx
import jwt as pyjwt

from .conftest import PASSWORD
from .live import Service, run_py, running_service

HTTP_API = Path(__file__).resolve().parent.parent / "docs" / "http-api.md"
_ENV = {"JWT_ALGORITHM": "ES256", "API_SCOPES": "billing:read"}


def documented_verifier(auth_url: str) -> dict[str, Any]:
    """The docs' example service, pointed at `auth_url`: its module's names (`app`, `jwks`, ...)."""
    section = HTTP_API.read_text().split("### Verifying our tokens in another service", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    source = match.group(1).replace('"https://auth.example.com"', repr(auth_url))
    namespace: dict[str, Any] = {}
    exec(compile(source, "docs/http-api.md", "exec"), namespace)  # the docs' own code, nothing added
    return namespace


def client_token(service: Service, client_id: str, secret: str) -> str:
    response = httpx.post(
        f"{service.url}/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def kid(token: str) -> str:
    value: str = pyjwt.get_unverified_header(token)["kid"]
    return value


async def test_the_documented_service_verifies_our_tokens_from_the_jwks_alone(
    tmp_path: Path, fresh_database_url: str
) -> None:
    created = run_py(
        tmp_path, fresh_database_url, "create-client", "billing", "--scope", "billing:read", extra_env=_ENV
    )
    assert created.returncode == 0, created.stderr
    fields = dict(line.split(": ", 1) for line in created.stdout.splitlines() if line.startswith("client_"))
    with running_service(tmp_path, fresh_database_url, extra_env=_ENV) as service:
        httpx.post(f"{service.url}/register", json={"username": "alice", "password": PASSWORD}, timeout=10)
        user = httpx.post(
            f"{service.url}/token", data={"username": "alice", "password": PASSWORD}, timeout=10
        )
        example = documented_verifier(service.url)
        # PyJWT refetches for an unknown kid at most once per 30 s by default (the docs say so): no wait
        example["jwks"].cooldown_duration = 0
        transport = httpx.ASGITransport(app=example["app"])
        verifier = httpx.AsyncClient(transport=transport, base_url="http://billing")

        async def check(token: str) -> httpx.Response:
            return await verifier.get("/invoices", headers={"Authorization": f"Bearer {token}"})

        first = client_token(service, fields["client_id"], fields["client_secret"])
        answers = {"client": await check(first)}
        assert run_py(tmp_path, fresh_database_url, "rotate-keys", extra_env=_ENV).returncode == 0
        deadline = time.monotonic() + 10
        rotated = first
        while kid(rotated) == kid(first) and time.monotonic() < deadline:
            time.sleep(0.1)
            rotated = client_token(service, fields["client_id"], fields["client_secret"])
        answers["rotated"] = await check(rotated)
        answers["user"] = await check(user.json()["access_token"])
        answers["garbage"] = await check("not-a-token")
        await verifier.aclose()
    assert answers["client"].status_code == 200
    assert answers["client"].json() == {"for": fields["client_id"]}
    # signed by a key made after the verifier fetched the set: PyJWKClient fetches it again
    assert kid(rotated) != kid(first)
    assert answers["rotated"].status_code == 200
    assert answers["user"].status_code == 403
    assert answers["garbage"].status_code == 401
    assert answers["garbage"].json() == {"detail": "Could not validate credentials"}
