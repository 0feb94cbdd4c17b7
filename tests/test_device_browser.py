"""The device flow in a real browser, against `python run.py` with two workers: a CLI asks for a code and
polls the token endpoint over HTTP while a person, in Chromium, signs in on /device, types the code, allows
the app and is told to go back to the device; then docs/openid-connect.md's CLI, run as written, signs in
the same way.

Same set-up as test_oidc_browser.py (Debian's Chromium, network closed, CSP errors fail the test, no 5xx).
"""

import queue
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from .clients import output_field
from .conftest import PASSWORD
from .devices import DEVICE_CODE, USER_CODE
from .live import RUN_PY, Service, run_py, running_service
from .test_account_browser import server_errors  # noqa: F401
from .test_browser import browser, page  # noqa: F401
from .test_oidc_browser import enter_password, expect_consent_page, server  # noqa: F401


@pytest.fixture
def service(tmp_path: Path, fresh_database_url: str) -> Iterator[Service]:
    """`python run.py --workers 2` (PUBLIC_URL on localhost): the device's polls and the person's pages land
    on either worker, so what they agree on is only what the database holds."""

    def on_localhost(port: int) -> list[str]:
        public = f"PUBLIC_URL=http://localhost:{port}"
        return ["env", public, sys.executable, RUN_PY, "--workers", "2", "--port", str(port)]

    with running_service(tmp_path, fresh_database_url, on_localhost) as running:
        yield running
        print(f"--- service log ---\n{running.output[-20000:]}")


DOC = Path(__file__).resolve().parent.parent / "docs" / "openid-connect.md"
SCOPES = ("openid", "profile", "email", "offline_access")


@dataclass(frozen=True)
class Cli:
    """The CLI as registered here: a public client for the device grant."""

    client_id: str


@pytest.fixture
def cli(tmp_path: Path, fresh_database_url: str, service: Service) -> Cli:  # noqa: F811
    """The CLI registered with the command line (public; device and refresh grants); alice's account."""
    created = run_py(
        tmp_path,
        fresh_database_url,
        "create-client",
        "Notes",
        "--public",
        "--grant",
        DEVICE_CODE,
        "--grant",
        "refresh_token",
    )
    assert created.returncode == 0, created.stderr
    account = httpx.post(
        f"{service.url}/register", json={"username": "alice", "password": PASSWORD}, timeout=30
    )
    assert account.status_code == 201, account.text
    return Cli(client_id=output_field(created.stdout, "client_id"))


def poll(server: str, cli: Cli, device_code: str) -> httpx.Response:  # noqa: F811
    form = {"grant_type": DEVICE_CODE, "device_code": device_code, "client_id": cli.client_id}
    return httpx.post(f"{server}/token", data=form, timeout=30)


def allow_on_the_device_page(tab: Page, user_code: str) -> None:
    """On /device, prefilled with the code: Continue, Allow on the consent page, the done page."""
    expect(tab.locator("#device h1")).to_have_text("Enter the code your device shows")
    expect(tab.locator("input[name=user_code]")).to_have_value(user_code)
    tab.click("button:has-text('Continue')")
    expect_consent_page(tab, SCOPES)
    tab.click("button:has-text('Allow')")
    expect(tab.locator("#device-done h1")).to_have_text("You may return to your device")


@pytest.mark.usefixtures("server_errors")
def test_a_person_allows_a_device_in_the_browser_while_the_device_polls(
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
    cli: Cli,
) -> None:
    started = httpx.post(
        f"{server}/device_authorization",
        data={"client_id": cli.client_id, "scope": " ".join(SCOPES)},
        timeout=30,
    )
    assert started.status_code == 200, started.text
    codes = started.json()
    assert USER_CODE.fullmatch(codes["user_code"])
    assert codes["verification_uri"] == f"{server}/device"
    pending = poll(server, cli, codes["device_code"])

    page.goto(codes["verification_uri_complete"])
    page.wait_for_url("**/login?next=*")
    enter_password(page)
    page.wait_for_url("**/device?user_code=*")
    allow_on_the_device_page(page, codes["user_code"])

    answer = poll(server, cli, codes["device_code"])
    again = poll(server, cli, codes["device_code"])
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert {"access_token", "id_token", "refresh_token"} <= set(tokens)
    userinfo = httpx.get(
        f"{server}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=30
    )
    assert userinfo.status_code == 200 and userinfo.json()["preferred_username"] == "alice"
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def documented_cli(auth_url: str, client_id: str) -> Callable[..., dict[str, Any]]:
    """The docs' CLI, pointed at this service and client: its `device_login`."""
    section = DOC.read_text().split("## Device flow", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    source = match.group(1).replace('"https://auth.example.com"', repr(auth_url))
    source = source.replace('"your-cli-client-id"', repr(client_id))
    namespace: dict[str, Any] = {}
    exec(compile(source, "docs/openid-connect.md", "exec"), namespace)  # the docs' own code, nothing added
    login: Callable[..., dict[str, Any]] = namespace["device_login"]
    return login


@pytest.mark.usefixtures("server_errors")
def test_the_documented_cli_signs_in_once_the_person_allows_it(
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
    cli: Cli,
) -> None:
    device_login = documented_cli(server, cli.client_id)
    shown: queue.Queue[str] = queue.Queue()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["tokens"] = device_login(" ".join(SCOPES), show=shown.put)
        except BaseException as exc:  # noqa: BLE001 - told to the test's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    message = shown.get(timeout=30)
    found = USER_CODE.search(message)
    assert found is not None and f"{server}/device" in message, message
    page.goto("/login?next=/device")
    enter_password(page)
    page.wait_for_url("**/device")
    page.fill("input[name=user_code]", found.group(0).lower().replace("-", ""))
    page.click("button:has-text('Continue')")
    expect_consent_page(page, SCOPES)
    page.click("button:has-text('Allow')")
    expect(page.locator("#device-done h1")).to_have_text("You may return to your device")
    worker.join(timeout=60)
    assert "error" not in outcome, outcome
    assert {"access_token", "id_token", "refresh_token"} <= set(outcome["tokens"])
