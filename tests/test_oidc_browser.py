"""The OpenID Connect provider in a real browser, as an app's user meets it: the app sends the browser here,
the user signs in and allows the app, and the browser lands back on the app with a code the app exchanges;
then denial, remembered consent, RP-initiated logout and taking an app's access back on the account page.

Same set-up as test_browser.py (Debian's Chromium, network closed, CSP errors fail the test, no 5xx). The app
is a real HTTP server on 127.0.0.1 (a loopback redirect URI, RFC 8252), so the browser really lands on it:
Chromium applies the pages' CSP `form-action` to every redirect a form post follows, and a violation would
both stop the navigation and log a CSP error.
"""

import base64
import hashlib
import secrets
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, Page, expect

from api.oidc.consents import in_words

from .clients import output_field
from .conftest import PASSWORD
from .live import RUN_PY, Service, run_py, running_service
from .test_account_browser import second_device, server_errors  # noqa: F401
from .test_browser import browser, page, screenshot  # noqa: F401

APP_NAME = "Notes"
SCOPES = ("openid", "profile", "email")


@dataclass
class NotesApp:
    """The app the browser is sent back to: its base URL and every path?query the browser asked it for."""

    url: str
    visits: list[str] = field(default_factory=list)

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.url}/signed-out"


@pytest.fixture
def notes_app() -> Iterator[NotesApp]:
    """A tiny app on 127.0.0.1 answering every GET with a page of its own (and remembering what was asked)."""
    visits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            visits.append(self.path)
            body = b"<!doctype html><title>Notes</title><h1>Notes, the app</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: the test reads `visits` instead."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield NotesApp(url=f"http://127.0.0.1:{server.server_address[1]}", visits=visits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def service(tmp_path: Path, fresh_database_url: str) -> Iterator[Service]:
    """`python run.py` on a fresh database with PUBLIC_URL the URL the browser uses (http://localhost:PORT),
    so the `iss` of the redirects is the issuer; what it printed is shown when the test fails."""

    def on_localhost(port: int) -> list[str]:
        # the port is chosen by running_service: PUBLIC_URL is set here, once it is known
        return ["env", f"PUBLIC_URL=http://localhost:{port}", sys.executable, RUN_PY, "--port", str(port)]

    with running_service(tmp_path, fresh_database_url, on_localhost) as running:
        yield running
        print(f"--- service log ---\n{running.output[-20000:]}")


@pytest.fixture
def server(service: Service) -> str:
    """The service's base URL on localhost (the Secure cookie works there); `page` is built on it."""
    return service.url.replace("127.0.0.1", "localhost")


@dataclass(frozen=True)
class Registered:
    """The app as registered here: its client id and secret."""

    client_id: str
    secret: str


@pytest.fixture
def registered(tmp_path: Path, fresh_database_url: str, service: Service, notes_app: NotesApp) -> Registered:
    """The app registered with the command line (confidential; code and refresh grants); alice's account."""
    created = run_py(
        tmp_path,
        fresh_database_url,
        "create-client",
        APP_NAME,
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--redirect-uri",
        notes_app.redirect_uri,
        "--post-logout-redirect-uri",
        notes_app.post_logout_redirect_uri,
    )
    assert created.returncode == 0, created.stderr
    account = httpx.post(
        f"{service.url}/register", json={"username": "alice", "password": PASSWORD}, timeout=30
    )
    assert account.status_code == 201, account.text
    return Registered(
        client_id=output_field(created.stdout, "client_id"),
        secret=output_field(created.stdout, "client_secret"),
    )


@dataclass
class Authorization:
    """One authorization request of the app: its state, nonce and PKCE verifier (RFC 7636, S256)."""

    state: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def url(self, app: Registered, notes: NotesApp, scope: str = " ".join(SCOPES)) -> str:
        """The authorize URL the app sends the browser to (a path on the service)."""
        query = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": notes.redirect_uri,
            "scope": scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
        }
        return f"/authorize?{urlencode(query)}"


def enter_password(tab: Page) -> None:
    """On the login page: alice's username and password, then "Log in"."""
    expect(tab.locator("h1")).to_have_text("Log in")
    tab.fill("input[name=username]", "alice")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button:has-text('Log in')")


def expect_consent_page(tab: Page, scopes: tuple[str, ...] = SCOPES) -> None:
    """The consent page: the app's name, each scope in words, and the Allow and Deny buttons."""
    expect(tab.locator("#consent h1")).to_have_text(f"{APP_NAME} wants to")
    items = tab.locator("#consent ul.scopes li")
    expect(items).to_have_count(len(scopes))
    for scope in scopes:
        words = in_words(scope)
        assert words != f"Use {scope} on your behalf", f"{scope} has no words of its own"
        expect(items.filter(has_text=f"({scope})")).to_contain_text(words)
    expect(tab.locator("#consent button[name=decision][value=allow]")).to_have_text("Allow")
    expect(tab.locator("#consent button[name=decision][value=deny]")).to_have_text("Deny")


def landed_on(tab: Page, uri: str) -> dict[str, list[str]]:
    """Wait until the browser is at `uri` (with a query), and that query."""
    tab.wait_for_url(lambda url: url.startswith(f"{uri}?"))
    expect(tab.locator("h1")).to_have_text("Notes, the app")  # the app's own page, not an error page
    return parse_qs(urlsplit(tab.url).query)


def expect_code(fields: dict[str, list[str]], request: Authorization, server: str) -> str:
    """The fields of a successful redirect (RFC 9207's `iss` included); the code."""
    assert set(fields) == {"code", "state", "iss"}, fields
    assert fields["state"] == [request.state]
    assert fields["iss"] == [server]
    [code] = fields["code"]
    return code


def sign_in_and_allow(tab: Page, app: Registered, notes: NotesApp, server: str) -> tuple[Authorization, str]:
    """From signed out: the app's authorize URL, the login page, Allow on the consent page; the code."""
    request = Authorization()
    tab.goto(request.url(app, notes))
    tab.wait_for_url("**/login?next=*")
    enter_password(tab)
    expect_consent_page(tab)
    tab.click("button:has-text('Allow')")
    return request, expect_code(landed_on(tab, notes.redirect_uri), request, server)


def exchange(
    server: str, app: Registered, notes: NotesApp, request: Authorization, code: str
) -> httpx.Response:
    """The app's token request for the code: client_secret_basic and the PKCE verifier."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": notes.redirect_uri,
        "code_verifier": request.verifier,
    }
    return httpx.post(f"{server}/token", data=form, auth=(app.client_id, app.secret), timeout=30)


def tokens_for(
    server: str, app: Registered, notes: NotesApp, request: Authorization, code: str
) -> dict[str, Any]:
    """The exchange's answer, which must succeed."""
    answer = exchange(server, app, notes, request, code)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def expect_signed_out(tab: Page) -> None:
    """No session any more: the account page sends the browser to the login page."""
    tab.goto("/account")
    tab.wait_for_url("**/login?next=/account")
    expect(tab.locator("h1")).to_have_text("Log in")


def auth_cookies(tab: Page) -> list[str]:
    return [cookie["name"] for cookie in tab.context.cookies() if cookie["name"] == "auth_token"]


@pytest.mark.usefixtures("server_errors")
def test_signing_in_and_allowing_lands_on_the_app_with_a_code_the_app_exchanges_for_an_id_token(
    page: Page,  # noqa: F811
    server: str,
    registered: Registered,
    notes_app: NotesApp,
) -> None:
    request = Authorization()
    page.goto(request.url(registered, notes_app))
    page.wait_for_url("**/login?next=*")
    assert parse_qs(urlsplit(page.url).query)["next"] == [request.url(registered, notes_app)]
    screenshot(page, "oidc-login")
    enter_password(page)

    page.wait_for_url("**/authorize?*")
    expect_consent_page(page)
    expect(page.locator("#consent")).to_contain_text("Signed in as alice")
    screenshot(page, "oidc-consent")
    page.click("button:has-text('Allow')")

    code = expect_code(landed_on(page, notes_app.redirect_uri), request, server)
    assert [visit for visit in notes_app.visits if visit.startswith("/callback?")] == [
        urlsplit(page.url).path + "?" + urlsplit(page.url).query
    ]
    screenshot(page, "oidc-back-at-the-app")

    answer = exchange(server, registered, notes_app, request, code)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert set(body["scope"].split()) == set(SCOPES)
    signing_key = jwt.PyJWKClient(f"{server}/.well-known/jwks.json").get_signing_key_from_jwt(
        body["id_token"]
    )
    claims = jwt.decode(
        body["id_token"],
        signing_key,
        algorithms=["RS256", "ES256"],
        audience=registered.client_id,
        issuer=server,
    )
    assert claims["nonce"] == request.nonce
    assert claims["preferred_username"] == "alice"
    userinfo = httpx.get(
        f"{server}/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=30
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["sub"] == claims["sub"]

    # the code works once
    again = exchange(server, registered, notes_app, request, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant", again.text


@pytest.mark.usefixtures("server_errors")
def test_deny_on_the_consent_page_goes_back_to_the_app_with_access_denied_and_the_state(
    page: Page,  # noqa: F811
    server: str,
    registered: Registered,
    notes_app: NotesApp,
) -> None:
    request = Authorization()
    page.goto(request.url(registered, notes_app))
    page.wait_for_url("**/login?next=*")
    enter_password(page)
    expect_consent_page(page)
    page.click("button:has-text('Deny')")

    fields = landed_on(page, notes_app.redirect_uri)
    assert fields["error"] == ["access_denied"]
    assert fields["state"] == [request.state]
    assert fields["iss"] == [server]
    assert "code" not in fields
    screenshot(page, "oidc-denied")

    # a denial is not remembered: the next request asks again
    page.goto(Authorization().url(registered, notes_app))
    expect_consent_page(page)


@pytest.mark.usefixtures("server_errors")
def test_a_second_authorization_for_the_same_app_and_scopes_skips_the_consent_page(
    page: Page,  # noqa: F811
    browser: Browser,  # noqa: F811
    server: str,
    registered: Registered,
    notes_app: NotesApp,
) -> None:
    sign_in_and_allow(page, registered, notes_app, server)

    # the same browser, still signed in: straight from /authorize to the app
    request = Authorization()
    answer = page.goto(request.url(registered, notes_app))
    assert answer is not None
    code = expect_code(landed_on(page, notes_app.redirect_uri), request, server)
    previous = answer.request.redirected_from
    assert previous is not None and urlsplit(previous.url).path == "/authorize", previous
    assert previous.redirected_from is None  # no consent page (nor anything else) in between
    assert "id_token" in tokens_for(server, registered, notes_app, request, code)

    # fewer scopes than allowed: no page either
    fewer = Authorization()
    page.goto(fewer.url(registered, notes_app, scope="openid"))
    expect_code(landed_on(page, notes_app.redirect_uri), fewer, server)

    # another device of alice's signs in: from the login form straight to the app (the login page's
    # form-action lets the form's redirects end at the app)
    with second_device(browser, server) as phone:
        elsewhere = Authorization()
        phone.goto(elsewhere.url(registered, notes_app))
        phone.wait_for_url("**/login?next=*")
        enter_password(phone)
        code = expect_code(landed_on(phone, notes_app.redirect_uri), elsewhere, server)
        assert "id_token" in tokens_for(server, registered, notes_app, elsewhere, code)


@pytest.mark.usefixtures("server_errors")
def test_end_session_with_the_id_token_hint_signs_out_and_returns_to_the_app_with_the_state(
    page: Page,  # noqa: F811
    server: str,
    registered: Registered,
    notes_app: NotesApp,
) -> None:
    request, code = sign_in_and_allow(page, registered, notes_app, server)
    id_token = tokens_for(server, registered, notes_app, request, code)["id_token"]
    [signed_in] = [cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "auth_token"]

    query = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": notes_app.post_logout_redirect_uri,
        "state": "bye-123",
    }
    page.goto(f"/end-session?{urlencode(query)}")
    fields = landed_on(page, notes_app.post_logout_redirect_uri)
    assert fields == {"state": ["bye-123"]}
    assert auth_cookies(page) == []
    expect_signed_out(page)

    # the session itself ended, not only the cookie: the old cookie no longer signs in
    page.context.add_cookies([{"name": "auth_token", "value": signed_in, "url": server}])
    assert auth_cookies(page) == ["auth_token"]
    expect_signed_out(page)


@pytest.mark.usefixtures("server_errors", "registered")
def test_end_session_without_a_hint_asks_first_and_its_button_signs_out(page: Page) -> None:  # noqa: F811
    page.goto("/login")
    enter_password(page)
    page.wait_for_url("**/")
    expect(page.locator("main")).to_contain_text("You are signed in as alice")

    page.goto("/end-session")
    expect(page.locator("#end-session h1")).to_have_text("Sign out?")
    expect(page.locator("#end-session")).to_contain_text("You are signed in as alice")
    screenshot(page, "oidc-end-session")
    assert auth_cookies(page) == ["auth_token"]  # not signed out silently

    page.click("#end-session button:has-text('Sign out')")
    expect(page.locator("h1")).to_have_text("You are signed out")
    screenshot(page, "oidc-signed-out")
    assert auth_cookies(page) == []
    expect_signed_out(page)


@pytest.mark.usefixtures("server_errors")
def test_end_session_for_a_named_app_without_a_hint_asks_then_returns_to_the_app(
    page: Page,  # noqa: F811
    server: str,
    registered: Registered,
    notes_app: NotesApp,
) -> None:
    sign_in_and_allow(page, registered, notes_app, server)
    query = {
        "client_id": registered.client_id,
        "post_logout_redirect_uri": notes_app.post_logout_redirect_uri,
        "state": "bye-456",
    }
    page.goto(f"/end-session?{urlencode(query)}")
    expect(page.locator("#end-session h1")).to_have_text("Sign out?")
    expect(page.locator("#end-session .app-name")).to_have_text(APP_NAME)
    assert auth_cookies(page) == ["auth_token"]

    # the confirmation's form post is redirected to the app: the page's form-action allows it
    page.click("#end-session button:has-text('Sign out')")
    assert landed_on(page, notes_app.post_logout_redirect_uri) == {"state": ["bye-456"]}
    assert auth_cookies(page) == []
    expect_signed_out(page)


@pytest.mark.usefixtures("server_errors")
def test_remove_access_on_the_account_page_revokes_the_apps_tokens_and_brings_the_consent_page_back(
    page: Page,  # noqa: F811
    server: str,
    registered: Registered,
    notes_app: NotesApp,
) -> None:
    request, code = sign_in_and_allow(page, registered, notes_app, server)
    access_token = tokens_for(server, registered, notes_app, request, code)["access_token"]

    def userinfo_status() -> int:
        headers = {"Authorization": f"Bearer {access_token}"}
        return httpx.get(f"{server}/userinfo", headers=headers, timeout=30).status_code

    assert userinfo_status() == 200

    page.goto("/account")
    apps = page.locator("#apps")
    expect(apps.locator("h2")).to_have_text("Apps with access")
    expect(apps.locator("li")).to_have_count(1)
    expect(apps.locator("li .app-name")).to_have_text(APP_NAME)
    for scope in SCOPES:
        expect(apps.locator("li")).to_contain_text(in_words(scope))
    screenshot(page, "oidc-account-apps")

    apps.locator("button:has-text('Remove access')").click()
    page.wait_for_url("**/account?done=apps*")
    expect(page.locator(".notice")).to_have_text("The app's access was removed.")
    expect(page.locator("#apps li")).to_have_count(0)
    expect(page.locator("#apps")).to_contain_text("No app signs you in with this account yet.")
    assert userinfo_status() == 401

    page.goto(Authorization().url(registered, notes_app))
    expect_consent_page(page)
