"""A passkey authenticator nobody here wrote (soft-fido2) answering the service's WebAuthn ceremonies, as a
browser on the service's origin would pass them on."""

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from soft_fido2 import Fido2Authenticator  # type: ignore[import-untyped]

from .conftest import PASSWORD, bearer

ORIGIN = "http://localhost:8000"  # PUBLIC_URL's default: the rp id is localhost


@dataclass
class Authenticator:
    """A software authenticator holding one passkey, and the origin its browser reports."""

    origin: str = ORIGIN
    device: Any = field(default_factory=Fido2Authenticator)

    def create(self, options: dict[str, Any], *, uv: bool = True) -> dict[str, Any]:
        """The RegistrationResponseJSON for `navigator.credentials.create(options)`."""
        answer: dict[str, Any] = self.device.credential_create(
            {**options, "origin": self.origin}, atteStmtFmt="none", uv=uv
        )
        return answer

    def get(self, options: dict[str, Any], *, uv: bool = True) -> dict[str, Any]:
        """The AuthenticationResponseJSON for `navigator.credentials.get(options)`."""
        answer: dict[str, Any] = self.device.credential_request({**options, "origin": self.origin}, uv=uv)
        return answer


async def add_passkey(
    client: httpx.AsyncClient, token: str, authenticator: Authenticator, name: str = "Laptop"
) -> httpx.Response:
    """Add a passkey to the token's account: options (with the password), then the credential."""
    options = await client.post(
        "/user/me/passkeys/options", json={"password": PASSWORD}, headers=bearer(token)
    )
    assert options.status_code == 200, options.text
    credential = authenticator.create(options.json()["options"])
    return await client.post(
        "/user/me/passkeys", json={"credential": credential, "name": name}, headers=bearer(token)
    )


async def sign_in_options(client: httpx.AsyncClient) -> dict[str, Any]:
    """`POST /passkeys/login/options`: the options and the challenge's id."""
    response = await client.post("/passkeys/login/options", json={})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def passkey_grant(
    client: httpx.AsyncClient, challenge_id: str, credential: dict[str, Any]
) -> httpx.Response:
    """`grant_type=passkey` at the token endpoint."""
    return await client.post(
        "/token",
        data={"grant_type": "passkey", "challenge_id": challenge_id, "credential": json.dumps(credential)},
    )


async def sign_in(client: httpx.AsyncClient, authenticator: Authenticator, **options: bool) -> httpx.Response:
    """A whole discoverable sign-in with the authenticator."""
    started = await sign_in_options(client)
    return await passkey_grant(
        client, started["challenge_id"], authenticator.get(started["options"], **options)
    )
