"""Back-channel logout as an app meets it: an app with a logout URI on a real receiver, a browser signed in
to it, and the logout tokens it got, verified with PyJWT from the JWKS alone."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt

from .conftest import Clock
from .logout_receiver import Receiver, logout_receiver
from .oidc import ISSUER, App, Pkce, Provider, code_for, exchange, provider

EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclass
class SignedIn:
    """The provider, its clock, the app told of logouts, the receiver, and what the app's sign-in gave it."""

    p: Provider
    clock: Clock
    app: App
    receiver: Receiver
    raw_id_token: str
    id_token: dict[str, Any]
    refresh_token: str

    async def delivered(self, *others: App) -> list[dict[str, Any]]:
        """Every logout due now posted (the background task stopped first), and the claims of each token
        the app (or `others` on the same receiver) took, verified."""
        backchannel = self.p.app.state.auth.backchannel
        await backchannel.stop()
        await backchannel.deliver_due()
        jwks = (await self.p.client.get("/.well-known/jwks.json")).json()
        return [
            verified(
                token,
                jwks,
                client_ids=[self.app.client_id, *(app.client_id for app in others)],
                at=self.clock.now,
            )
            for token in self.receiver.accepted
        ]


async def sign_in_to_app(p: Provider, app: App) -> tuple[str, str]:
    """The code flow for the signed-in browser: the id_token, and the refresh token."""
    pkce = Pkce()
    fields = await code_for(p, app, pkce, scope="openid profile offline_access")
    answer = await exchange(p.client, app, fields["code"], pkce)
    assert answer.status_code == 200, answer.text
    return answer.json()["id_token"], answer.json()["refresh_token"]


@asynccontextmanager
async def signed_in(tmp_path: Path, **overrides: Any) -> AsyncIterator[SignedIn]:
    """Alice signed in to an app registered with a back-channel logout URI on a running receiver."""
    clock = Clock()
    with logout_receiver() as receiver:
        async with provider(tmp_path, clock=clock, **overrides) as p:
            app = await p.register_app(backchannel_logout_uri=receiver.uri)
            await p.sign_in()
            id_token, refresh_token = await sign_in_to_app(p, app)
            claims = jwt.decode(id_token, options={"verify_signature": False})
            yield SignedIn(p, clock, app, receiver, id_token, claims, refresh_token)


def verified(token: str, jwks: dict[str, Any], *, client_ids: list[str], at: datetime) -> dict[str, Any]:
    """A logout token's claims, its signature, `iss` and `aud` checked by PyJWT from the JWKS, the rest as
    section 2.6 of the spec asks (`at`: the app's clock, which the tests move)."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "logout+jwt"
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token,
        key.key,
        algorithms=[header["alg"]],
        audience=client_ids,
        issuer=ISSUER,
        # the app's clock may have moved ahead of this machine's: the times are checked against it below
        options={
            "require": ["iat", "exp", "jti", "sub", "sid", "events"],
            "verify_exp": False,
            "verify_iat": False,
        },
    )
    assert claims["iat"] <= at.timestamp() < claims["exp"] <= claims["iat"] + 120
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    return claims
