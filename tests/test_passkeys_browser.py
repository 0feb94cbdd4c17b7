"""Passkeys in a real browser, as a person uses them: added on the account page, then "Sign in with a passkey"
(or the username field's autofill) on the login page; renamed and removed; an authenticator that cannot verify
the user; an app's /authorize satisfied by a passkey.

Same set-up as test_browser.py (Debian's Chromium, network closed, CSP errors fail the test, no 5xx). The
authenticator is Chromium's own virtual one (DevTools' WebAuthn domain): a platform authenticator with
resident keys and user verification, answering without a dialog. WebAuthn refuses an IP address as rp id,
so the pages are on http://localhost:PORT, and PUBLIC_URL is that URL (the rp id is its host, the allowed
origin its origin), as in test_oidc_browser.py.

The login page starts a conditional request (passkey autofill in the username field) as soon as it loads,
and Chromium's virtual environment answers such a request by itself, as if the person had picked the passkey
from the autofill list, whenever the authenticator is touched. So the person here touches the authenticator
only when they mean to: while they look at the login page the autofill waits, and pressing the button (which
ends the autofill's request and starts the browser's own dialog) is what signs in.
"""

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from playwright.sync_api import CDPSession, ConsoleMessage, Error, Locator, Page, Route, expect

from .clients import output_field
from .conftest import PASSWORD
from .live import Service, run_py
from .test_account_browser import log_out_from_the_header, server_errors  # noqa: F401
from .test_browser import browser, page, screenshot  # noqa: F401
from .test_oidc_browser import (
    Authorization,
    NotesApp,
    Registered,
    expect_code,
    landed_on,
    notes_app,  # noqa: F401
    server,  # noqa: F401
    service,  # noqa: F401
    tokens_for,
)

# notes each navigator.credentials.get() of the page without changing it: this page's (mediation, outcome) in
# window.passkeyRequests, so a test knows when the autofill's request waits; and each request that ended, in
# this tab's sessionStorage, which outlives the page a passkey sign-in leaves
NOTE_REQUESTS = """
(() => {
  if (!window.navigator.credentials) return;
  const get = navigator.credentials.get.bind(navigator.credentials);
  window.passkeyRequests = [];
  function ended(noted, outcome) {
    noted.outcome = outcome;
    const log = JSON.parse(sessionStorage.getItem("passkeyRequestsEnded") || "[]");
    log.push({ page: location.pathname + location.search, mediation: noted.mediation, outcome: outcome });
    sessionStorage.setItem("passkeyRequestsEnded", JSON.stringify(log));
  }
  navigator.credentials.get = (options) => {
    const noted = { mediation: (options && options.mediation) || "optional", outcome: "pending" };
    window.passkeyRequests.push(noted);
    return get(options).then(
      (credential) => { ended(noted, "answered"); return credential; },
      (error) => { ended(noted, error.name); throw error; },
    );
  };
})();
"""
AUTOFILL_WAITS = """() => (window.passkeyRequests || []).some(
  (request) => request.mediation === "conditional" && request.outcome === "pending"
)"""


@dataclass
class VirtualAuthenticator:
    """Chromium's virtual authenticator attached to one tab, through its DevTools session."""

    cdp: CDPSession
    id: str

    def credentials(self) -> list[dict[str, Any]]:
        """The credentials it holds (WebAuthn.getCredentials)."""
        answer = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})
        held: list[dict[str, Any]] = answer["credentials"]
        return held

    def user_verified(self, verified: bool) -> None:
        """Whether its user verification (fingerprint, PIN…) succeeds from now on."""
        self.cdp.send("WebAuthn.setUserVerified", {"authenticatorId": self.id, "isUserVerified": verified})

    def touch(self, touched: bool) -> None:
        """Whether the person touches it when asked (a request that found it untouched waits for good)."""
        self.cdp.send(
            "WebAuthn.setAutomaticPresenceSimulation", {"authenticatorId": self.id, "enabled": touched}
        )


@pytest.fixture
def authenticator(page: Page) -> VirtualAuthenticator:  # noqa: F811
    """A platform authenticator in `page`'s tab: resident keys, user verification that succeeds, touched when
    asked; the tab notes the page's passkey requests (NOTE_REQUESTS)."""
    page.add_init_script(NOTE_REQUESTS)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return VirtualAuthenticator(cdp=cdp, id=added["authenticatorId"])


@pytest.fixture
def console(page: Page) -> Iterator[list[str]]:  # noqa: F811
    """What the tab's scripts printed (shown when a test fails); an uncaught exception fails the test."""
    printed: list[str] = []
    uncaught: list[str] = []

    def record(message: ConsoleMessage) -> None:
        printed.append(f"{message.type}: {message.text}")

    def crashed(error: Error) -> None:
        uncaught.append(f"{error.name}: {error.message}")

    page.on("console", record)
    page.on("pageerror", crashed)
    yield printed
    print("--- browser console ---", *printed, sep="\n")
    assert uncaught == [], f"the page's script threw: {uncaught}"


@pytest.fixture
def alice(service: Service) -> None:  # noqa: F811
    """alice's account, made through the API."""
    made = httpx.post(f"{service.url}/register", json={"username": "alice", "password": PASSWORD}, timeout=30)
    assert made.status_code == 201, made.text


@pytest.fixture
def trusted_app(
    tmp_path: Path,
    fresh_database_url: str,
    service: Service,  # noqa: F811
    notes_app: NotesApp,  # noqa: F811
) -> Registered:
    """The Notes app, registered with the command line as a first-party app (no consent page); alice."""
    created = run_py(
        tmp_path,
        fresh_database_url,
        "create-client",
        "Notes",
        "--grant",
        "authorization_code",
        "--redirect-uri",
        notes_app.redirect_uri,
        "--trusted",
    )
    assert created.returncode == 0, created.stderr
    made = httpx.post(f"{service.url}/register", json={"username": "alice", "password": PASSWORD}, timeout=30)
    assert made.status_code == 201, made.text
    return Registered(
        client_id=output_field(created.stdout, "client_id"),
        secret=output_field(created.stdout, "client_secret"),
    )


def auth_cookies(tab: Page) -> list[str]:
    return [cookie["name"] for cookie in tab.context.cookies() if cookie["name"] == "auth_token"]


def passkey_requests(tab: Page) -> list[dict[str, str]]:
    """The page's navigator.credentials.get() calls so far: mediation and outcome."""
    noted: list[dict[str, str]] = tab.evaluate("window.passkeyRequests")
    return noted


def ended_requests(tab: Page) -> list[dict[str, str]]:
    """Every navigator.credentials.get() that ended in this tab, oldest first: page, mediation and outcome."""
    log: str | None = tab.evaluate("sessionStorage.getItem('passkeyRequestsEnded')")
    ended: list[dict[str, str]] = json.loads(log or "[]")
    return ended


def log_in_with_the_password(tab: Page) -> None:
    tab.goto("/login")
    tab.fill("input[name=username]", "alice")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button:has-text('Log in')")
    tab.wait_for_url("**/")
    expect(tab.locator("main")).to_contain_text("You are signed in as alice")


def add_a_passkey(tab: Page, authenticator: VirtualAuthenticator, name: str = "Laptop") -> None:
    """On /account: the password again and a name, then "Add a passkey" (the authenticator touched when the
    browser asks); the page comes back with the passkey listed."""
    authenticator.touch(True)
    tab.goto("/account")
    section = tab.locator("#passkeys")
    expect(section.locator("h2")).to_have_text("Passkeys")
    expect(section).to_contain_text("No passkey yet.")
    form = section.locator("form#add-passkey")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=name]").fill(name)
    form.locator("button:has-text('Add a passkey')").click()
    tab.wait_for_url("**/account?done=passkey#passkeys")
    expect(tab.locator(".notice")).to_contain_text("Passkey added")
    expect(section.locator("li")).to_have_count(1)
    expect(section.locator("li strong")).to_have_text(name)
    expect(section.locator("li")).to_contain_text("never used")


def open_the_login_page(tab: Page, authenticator: VirtualAuthenticator, path: str = "/login") -> None:
    """`path` (the login page, or a page that sends there) as a person opens it: nobody touches the
    authenticator, so the passkey the page offers in the username field's autofill waits there."""
    authenticator.touch(False)
    tab.goto(path)
    expect(tab.locator("h1")).to_have_text("Log in")
    expect(tab.locator("input[name=username]")).to_have_attribute("autocomplete", "username webauthn")
    tab.wait_for_function(AUTOFILL_WAITS)


def press_sign_in_with_a_passkey(tab: Page, authenticator: VirtualAuthenticator) -> None:
    """Press "Sign in with a passkey": the person touches the authenticator once the browser asks (the
    page has its options), and lets go once the passkey is sent (a login page coming back offers autofill
    again)."""
    token_path = tab.locator("#passkey-form").get_attribute("action")
    assert token_path, "the passkey form posts to the token URL"

    def touch(route: Route) -> None:
        authenticator.touch(True)
        route.fallback()

    def let_go(route: Route) -> None:
        authenticator.touch(False)
        route.fallback()

    # on the context, before its closed network (a page route's fallback with `times` hits a Playwright bug)
    tab.context.route("**/passkeys/login/options", touch, times=1)
    tab.context.route(f"**{token_path}", let_go, times=1)
    tab.click("button:has-text('Sign in with a passkey')")


def login_error(tab: Page) -> Locator:
    """The error the login page shows (the passkey's own message box stays hidden while it is empty)."""
    return tab.locator("main .alert:visible")


@pytest.mark.usefixtures("server_errors", "alice", "console")
def test_a_passkey_added_on_the_account_page_signs_in_with_the_button_without_the_password(
    page: Page,  # noqa: F811
    authenticator: VirtualAuthenticator,
) -> None:
    log_in_with_the_password(page)
    assert authenticator.credentials() == []
    add_a_passkey(page, authenticator, "My laptop")
    screenshot(page, "passkey-added")

    [held] = authenticator.credentials()
    assert held["isResidentCredential"] is True
    assert held["rpId"] == "localhost"
    handle = base64.b64decode(held["userHandle"])
    me = page.context.request.get("/user/me")
    assert me.status == 200, me.text()
    assert handle != str(me.json()["id"]).encode() and len(handle) >= 16, handle  # a random handle
    listed = page.context.request.get("/user/me/passkeys")
    assert listed.status == 200, listed.text()
    [passkey] = listed.json()
    assert passkey["name"] == "My laptop" and passkey["last_used_at"] is None

    log_out_from_the_header(page)
    assert auth_cookies(page) == []
    open_the_login_page(page, authenticator)
    screenshot(page, "passkey-login")
    press_sign_in_with_a_passkey(page, authenticator)
    page.wait_for_url("**/")
    expect(page.locator("main")).to_contain_text("You are signed in as alice")
    assert auth_cookies(page) == ["auth_token"]
    [used] = authenticator.credentials()
    assert used["signCount"] > held["signCount"]

    page.goto("/account")
    expect(page.locator("h1")).to_have_text("alice")
    expect(page.locator("#passkeys li")).to_contain_text("last used")
    [passkey] = page.context.request.get("/user/me/passkeys").json()
    assert passkey["last_used_at"] is not None


@pytest.mark.usefixtures("server_errors", "alice", "console")
def test_the_passkey_button_ends_the_waiting_autofill_and_goes_on_to_the_page_asked_for(
    page: Page,  # noqa: F811
    authenticator: VirtualAuthenticator,
) -> None:
    log_in_with_the_password(page)
    add_a_passkey(page, authenticator)
    log_out_from_the_header(page)

    open_the_login_page(page, authenticator, "/private")
    assert urlsplit(page.url).path == "/login" and urlsplit(page.url).query == "next=/private"
    assert passkey_requests(page) == [{"mediation": "conditional", "outcome": "pending"}]
    press_sign_in_with_a_passkey(page, authenticator)
    page.wait_for_url(lambda url: urlsplit(url).path == "/private")  # not /login?next=/private
    expect(page.locator("main")).to_contain_text("Only you can see this")
    expect(page.locator("dd.username")).to_have_text("alice")
    assert auth_cookies(page) == ["auth_token"]
    # the autofill's request was ended, the button's (the browser's dialog) answered
    assert [request for request in ended_requests(page) if request["page"] == "/login?next=/private"] == [
        {"page": "/login?next=/private", "mediation": "conditional", "outcome": "AbortError"},
        {"page": "/login?next=/private", "mediation": "optional", "outcome": "answered"},
    ]


@pytest.mark.usefixtures("server_errors", "alice", "console")
def test_picking_the_passkey_from_the_username_fields_autofill_signs_in_and_goes_on_to_the_page_asked_for(
    page: Page,  # noqa: F811
    authenticator: VirtualAuthenticator,
) -> None:
    log_in_with_the_password(page)
    add_a_passkey(page, authenticator)
    log_out_from_the_header(page)

    # touched at once: the virtual environment picks the passkey the autofill offers, nothing is pressed
    authenticator.touch(True)
    page.goto("/private")
    page.wait_for_url(lambda url: urlsplit(url).path == "/private")  # not /login?next=/private
    expect(page.locator("dd.username")).to_have_text("alice")
    assert auth_cookies(page) == ["auth_token"]


@pytest.mark.usefixtures("server_errors", "alice", "console")
def test_the_pages_with_passkeys_keep_their_titles(page: Page) -> None:  # noqa: F811
    page.goto("/login")
    expect(page).to_have_title("Log in · Auth service")
    log_in_with_the_password(page)
    page.goto("/account")
    expect(page).to_have_title("Your account · Auth service")


@pytest.mark.usefixtures("server_errors", "alice", "console")
def test_a_passkey_renamed_then_removed_on_the_account_page_signs_in_no_more(
    page: Page,  # noqa: F811
    authenticator: VirtualAuthenticator,
) -> None:
    log_in_with_the_password(page)
    add_a_passkey(page, authenticator, "Laptop")

    passkeys = page.locator("#passkeys")
    rename = passkeys.locator("li form.rename")
    rename.locator("input[name=name]").fill("Work laptop")
    rename.locator("button:has-text('Rename')").click()
    page.wait_for_url("**/account?done=passkey-renamed#passkeys")
    expect(page.locator(".notice")).to_contain_text("Passkey renamed")
    expect(passkeys.locator("li strong")).to_have_text("Work laptop")
    expect(passkeys.locator("li form.rename input[name=name]")).to_have_value("Work laptop")
    [passkey] = page.context.request.get("/user/me/passkeys").json()
    assert passkey["name"] == "Work laptop"
    screenshot(page, "passkey-renamed")

    passkeys.locator("li button:has-text('Remove')").click()
    page.wait_for_url("**/account?done=passkey-removed#passkeys")
    expect(page.locator(".notice")).to_contain_text("Passkey removed")
    expect(passkeys.locator("li")).to_have_count(0)
    expect(passkeys).to_contain_text("No passkey yet.")
    assert page.context.request.get("/user/me/passkeys").json() == []

    # the authenticator still holds the passkey, but the service no longer knows it
    log_out_from_the_header(page)
    assert len(authenticator.credentials()) == 1
    open_the_login_page(page, authenticator)
    press_sign_in_with_a_passkey(page, authenticator)
    expect(login_error(page)).to_have_text("Invalid passkey")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("#passkey-sign-in")).to_be_visible()
    assert auth_cookies(page) == []
    screenshot(page, "passkey-login-removed")

    page.goto("/account")
    page.wait_for_url("**/login?next=/account")


@pytest.mark.usefixtures("server_errors", "alice", "console")
def test_an_authenticator_that_cannot_verify_the_user_shows_a_message_and_stays_on_the_login_page(
    page: Page,  # noqa: F811
    authenticator: VirtualAuthenticator,
) -> None:
    log_in_with_the_password(page)
    add_a_passkey(page, authenticator)
    log_out_from_the_header(page)
    [held] = authenticator.credentials()

    authenticator.user_verified(False)
    open_the_login_page(page, authenticator)
    press_sign_in_with_a_passkey(page, authenticator)
    message = page.locator("#passkey-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("The passkey request was cancelled")
    expect(page.locator("h1")).to_have_text("Log in")
    assert urlsplit(page.url).path == "/login"  # the form was not sent
    assert [request["outcome"] for request in passkey_requests(page)] == ["AbortError", "NotAllowedError"]
    assert auth_cookies(page) == []
    [unused] = authenticator.credentials()
    assert unused["signCount"] == held["signCount"]
    screenshot(page, "passkey-login-not-verified")

    # verified this time, the same button signs in
    authenticator.user_verified(True)
    press_sign_in_with_a_passkey(page, authenticator)
    page.wait_for_url("**/")
    expect(page.locator("main")).to_contain_text("You are signed in as alice")
    assert auth_cookies(page) == ["auth_token"]


@pytest.mark.usefixtures("server_errors", "console")
def test_a_passkey_sign_in_satisfies_an_apps_authorize_and_lands_back_at_the_app_with_a_code(
    page: Page,  # noqa: F811
    authenticator: VirtualAuthenticator,
    server: str,  # noqa: F811
    notes_app: NotesApp,  # noqa: F811
    trusted_app: Registered,
) -> None:
    log_in_with_the_password(page)
    add_a_passkey(page, authenticator)
    log_out_from_the_header(page)

    request = Authorization()
    open_the_login_page(page, authenticator, request.url(trusted_app, notes_app))
    assert urlsplit(page.url).path == "/login"
    press_sign_in_with_a_passkey(page, authenticator)
    code = expect_code(landed_on(page, notes_app.redirect_uri), request, server)
    screenshot(page, "passkey-oidc-back-at-the-app")
    assert auth_cookies(page) == ["auth_token"]

    tokens = tokens_for(server, trusted_app, notes_app, request, code)
    keys = jwt.PyJWKClient(f"{server}/.well-known/jwks.json")
    claims = jwt.decode(
        tokens["id_token"],
        keys.get_signing_key_from_jwt(tokens["id_token"]),
        algorithms=["RS256", "ES256"],
        audience=trusted_app.client_id,
        issuer=server,
    )
    assert claims["preferred_username"] == "alice"
    assert claims["nonce"] == request.nonce
