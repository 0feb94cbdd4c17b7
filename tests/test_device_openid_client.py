"""The device flow (RFC 8628) as an independent, OpenID Certified client meets it: panva's `openid-client`,
run by node from tests/peers/openid-client/, discovers `python run.py` over real HTTP, asks for the codes,
polls with its own code and checks what we issue by its own rules (the id_token's RS256 signature from the
JWKS, `iss`, `aud`, `exp`; userinfo's `sub`), while a person signs in and decides on /device over HTTP. Our
own tests of the flow (test_device*.py) share our reading of the RFCs; this one does not."""

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from .clients import output_field
from .conftest import PASSWORD, register
from .devices import DEVICE_CODE, USER_CODE, decide_in, type_code_in
from .live import Service, run_py, running_service
from .peer_provider import require_node
from .social import second_database
from .test_oidc_authlib import BASE_ENV, at_its_own_url

PEER_DIR = Path(__file__).resolve().parent / "peers" / "openid-client"
SCOPE = "openid profile"


@dataclass(frozen=True)
class Live:
    """`python run.py` listening at its PUBLIC_URL (the issuer), and the device's public client there."""

    service: Service
    client_id: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The service on plain HTTP on loopback (one for the module: a database of its own, someone new each
    test), with a public client registered for the device grant."""
    require_node(PEER_DIR, "openid-client")
    tmp_path = tmp_path_factory.mktemp("device-openid-client")
    with second_database(tmp_path, "device") as database_url:
        created = run_py(
            tmp_path,
            database_url,
            "create-client",
            "Notes CLI",
            "--public",
            "--grant",
            DEVICE_CODE,
            extra_env=BASE_ENV,
        )
        assert created.returncode == 0, created.stderr
        client_id = output_field(created.stdout, "client_id")
        with running_service(tmp_path, database_url, at_its_own_url(), extra_env=BASE_ENV) as service:
            yield Live(service=service, client_id=client_id)
            print(f"--- service log ---\n{service.output[-20000:]}")


@asynccontextmanager
async def signed_in_person(url: str, username: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Someone new, signed up and signed in with the login page's form: their browser (a cookie client) and
    their id."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as browser:
        account = await register(browser, username, full_name=f"{username.title()} Liddell")
        assert account.status_code == 201, account.text
        form = {"grant_type": "password", "username": username, "password": PASSWORD, "next": "/"}
        signed_in = await browser.post("/token", data=form, headers={"Accept": "text/html", "Origin": url})
        assert signed_in.status_code == 303, signed_in.text
        yield browser, str(account.json()["id"])


@dataclass
class Device:
    """openid-client's device script, running: what it showed the person (its first JSON line)."""

    process: asyncio.subprocess.Process
    shown: dict[str, Any]

    async def outcome(self) -> dict[str, Any]:
        """Its last JSON line once it exits (asserting it exited 0)."""
        stdout, stderr = await asyncio.wait_for(self.process.communicate(), timeout=60)
        assert self.process.returncode == 0, stderr.decode()
        outcome: dict[str, Any] = json.loads(stdout.decode().splitlines()[-1])
        return outcome


@asynccontextmanager
async def device(live: Live) -> AsyncIterator[Device]:
    """`node device.mjs` against the service: it discovers it, asks for the codes and polls."""
    env = {**os.environ, "ISSUER": live.service.url, "CLIENT_ID": live.client_id, "SCOPE": SCOPE}
    process = await asyncio.create_subprocess_exec(
        "node",
        "device.mjs",
        cwd=PEER_DIR,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        first = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        if not first:
            raise AssertionError(f"openid-client showed no code: {(await process.stderr.read()).decode()}")
        yield Device(process=process, shown=json.loads(first))
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()


async def test_openid_clients_device_flow_signs_in_and_verifies_the_id_token(live: Live) -> None:
    url = live.service.url
    async with signed_in_person(url, "alice") as (browser, user_id), device(live) as cli:
        consent_page = await type_code_in(browser, cli.shown["user_code"], origin={"Origin": url})
        done = await decide_in(browser, consent_page, "allow", origin={"Origin": url})
        outcome = await cli.outcome()
    assert USER_CODE.fullmatch(cli.shown["user_code"]), cli.shown
    assert cli.shown["verification_uri"] == f"{url}/device"
    assert "Notes CLI</span> wants to" in consent_page.text
    assert done.status_code == 200 and "You may return to your device" in done.text
    tokens, claims, userinfo = outcome["tokens"], outcome["claims"], outcome["userinfo"]
    assert tokens["access_token"] and tokens["id_token"]
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["scope"] == SCOPE
    assert "refresh_token" not in tokens  # no offline_access asked for
    assert claims["sub"] == user_id
    assert claims["aud"] == live.client_id
    assert claims["iss"] == url
    assert "nonce" not in claims
    assert userinfo["sub"] == user_id and userinfo["preferred_username"] == "alice"
    assert userinfo["name"] == claims["name"] == "Alice Liddell"


async def test_openid_client_is_refused_with_access_denied_when_the_person_denies(live: Live) -> None:
    url = live.service.url
    async with signed_in_person(url, "bob") as (browser, _), device(live) as cli:
        consent_page = await type_code_in(browser, cli.shown["user_code"], origin={"Origin": url})
        await decide_in(browser, consent_page, "deny", origin={"Origin": url})
        outcome = await cli.outcome()
    assert outcome["error"] == "access_denied"
