"""Signing in on the way to an app: the login page's two-factor step comes back to `/authorize` too, and every
step of the flow leaves its line in the audit log."""

import json
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest

from .conftest import PASSWORD, Clock, register
from .forms import BROWSER, csrf_of
from .oidc import Pkce, authorize_query, code_for, consent, exchange, login_next, provider, redirect_fields


async def test_the_two_factor_step_comes_back_to_the_authorization_request(tmp_path: Path) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock) as p:
        app = await p.register_app(trusted=True)
        await p.sign_in()
        page = await p.client.get("/account")
        setup = await p.client.post(
            "/account/mfa/setup",
            data={"csrf_token": csrf_of(page.text), "password": PASSWORD},
            headers=BROWSER,
        )
        secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', setup.text)
        assert secret is not None
        confirmed = await p.client.post(
            "/account/mfa/confirm",
            data={"csrf_token": csrf_of(setup.text), "code": pyotp.TOTP(secret.group(1)).at(clock.now)},
            headers=BROWSER,
        )
        assert confirmed.status_code == 200
        clock.advance(seconds=30)
        p.client.cookies.clear()
        target = login_next(await p.client.get("/authorize", params=authorize_query(app, Pkce())))
        first = await p.client.post(
            "/token",
            data={"grant_type": "password", "username": "alice", "password": PASSWORD, "next": target},
            headers=BROWSER,
        )
        mfa_token = re.search(r'name="mfa_token" value="([^"]+)"', first.text)
        assert mfa_token is not None
        second = await p.client.post(
            "/token",
            data={
                "grant_type": "mfa_otp",
                "mfa_token": mfa_token.group(1),
                "otp": pyotp.TOTP(secret.group(1)).at(clock.now),
                "next": target,
            },
            headers=BROWSER,
        )
        back = await p.client.get(second.headers["location"])
    assert first.status_code == 200 and 'name="next"' in first.text
    # the second step's form may end at the app as well
    assert "form-action 'self' https://app.example" in first.headers["content-security-policy"]
    assert second.status_code == 303 and urlsplit(second.headers["location"]).path == "/authorize"
    assert "code" in redirect_fields(back)


def _audit(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "api.audit"]


async def test_the_flow_is_audited_without_secrets(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="api.audit")
    async with provider(tmp_path) as p:
        app = await p.register_app()
        user_id = (await register(p.client, "alice")).json()["id"]
        await p.log_in("alice")
        pkce = Pkce()
        denied = await p.client.get("/authorize", params=authorize_query(app, pkce))
        await consent(p.client, denied, "deny")
        fields = await code_for(p, app, pkce)
        tokens = (await exchange(p.client, app, fields["code"], pkce)).json()
        await exchange(p.client, app, fields["code"], pkce)
        await exchange(p.client, app, "no-such-code", pkce)
        await p.client.get("/end-session", params={"id_token_hint": tokens["id_token"]})
    lines = [
        line
        for line in _audit(caplog)
        if line["event"] in {"authorization", "code_exchange", "code_reuse", "end_session"}
    ]
    summary = [(line["event"], line["outcome"]) for line in lines]
    assert summary == [
        ("authorization", "denied"),
        ("authorization", "consent"),
        ("authorization", "code_issued"),
        ("code_exchange", "success"),
        ("code_reuse", "revoked"),
        ("code_exchange", "failure"),
        ("end_session", "success"),
    ]
    assert all(
        line["user_id"] == user_id
        for line in lines
        if line["event"] != "code_exchange" or line["outcome"] == "success"
    )
    assert all(
        line.get("client_id") == app.client_id
        for line in lines
        if line["event"] != "code_exchange" or line["outcome"] == "success"
    )
    text = caplog.text
    for secret in (
        fields["code"],
        tokens["access_token"],
        tokens["id_token"],
        pkce.verifier,
        app.secret or "-",
    ):
        assert secret not in text
