"""Pages and Swagger UI in a real browser (Debian's Chromium driven by Playwright), network closed."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from .conftest import PASSWORD
from .live import free_port, running_service
from .smtp import link_in, smtp_server

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# the flags keep Chromium from calling home, which a closed network refuses many times a second
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path: Path, fresh_database_url: str) -> Iterator[str]:
    """`python run.py` on a fresh database, with the default (Secure) cookie; its base URL on localhost."""
    with running_service(tmp_path, fresh_database_url) as service:
        # Chromium treats http://localhost as a secure context, so the Secure cookie works there
        yield service.url.replace("127.0.0.1", "localhost")


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh browser context on the server; every request to another host is refused and recorded."""
    context = browser.new_context(base_url=server, viewport={"width": 1100, "height": 800})
    refused: list[str] = []

    def closed_network(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("localhost", "127.0.0.1"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", closed_network)
    errors: list[str] = []
    tab = context.new_page()
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield tab
    context.close()
    assert refused == [], f"the page tried to reach the internet: {refused}"
    assert not [e for e in errors if "Content Security Policy" in e], errors


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def register_through_the_page(page: Page, username: str = "alice") -> None:
    page.goto("/register")
    screenshot(page, "register")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=email]", f"{username}@example.com")
    page.fill("input[name=full_name]", "Alice Liddell")
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_register_log_out_log_in_and_reach_private(page: Page) -> None:
    register_through_the_page(page)
    expect(page.locator("main")).to_contain_text("You are signed in as alice")
    screenshot(page, "home-signed-in")

    page.click("main button:has-text('Log out')")
    page.wait_for_url("**/")
    expect(page.locator("main")).to_contain_text("Not signed in")
    screenshot(page, "home-signed-out")

    page.goto("/private")
    page.wait_for_url("**/login?next=/private")
    screenshot(page, "login")
    page.fill("input[name=username]", "ALICE")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/private")
    expect(page.locator("main")).to_contain_text("Only you can see this")
    expect(page.locator("dd.username")).to_have_text("alice")
    screenshot(page, "private")


def test_cookie_is_httponly_and_the_api_accepts_it(page: Page) -> None:
    register_through_the_page(page)
    [cookie] = page.context.cookies()
    assert cookie["name"] == "auth_token" and cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""
    page.goto("/user/me")
    assert '"username":"alice"' in (page.text_content("body") or "")


def test_wrong_password_shows_the_error_and_keeps_the_username(page: Page) -> None:
    register_through_the_page(page)
    page.click("nav button:has-text('Log out')")
    page.goto("/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator(".alert")).to_have_text("Incorrect username or password")
    expect(page.locator("input[name=username]")).to_have_value("alice")
    screenshot(page, "login-error")


def test_registration_errors_show_in_the_form(page: Page) -> None:
    page.goto("/register")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", "password123")
    page.click("button[type=submit]")
    expect(page.locator(".alert")).to_contain_text("too common")
    expect(page.locator("input[name=username]")).to_have_value("bob")
    screenshot(page, "register-error")


def test_swagger_authorize_logs_in_through_the_token_url_and_calls_user_me(page: Page) -> None:
    register_through_the_page(page)
    page.context.clear_cookies()  # Swagger must authenticate with its own bearer token
    page.goto("/docs")
    page.click("button.authorize")
    password_flow = page.locator(".auth-container").filter(has_text="OAuth2PasswordBearer")
    password_flow.locator("#oauth_username").fill("alice")
    password_flow.locator("#oauth_password").fill(PASSWORD)
    password_flow.locator("button.authorize").click()
    expect(password_flow).to_contain_text("Authorized")
    screenshot(page, "docs-authorized")
    page.click("button.btn-done")
    operation = page.locator("#operations-me-read_me_user_me_get")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    response = operation.locator(".live-responses-table .response")
    expect(response.locator(".response-col_status")).to_contain_text("200")
    expect(response.locator(".response-col_description")).to_contain_text('"username": "alice"')
    screenshot(page, "docs-user-me")


def test_pages_fit_a_phone_screen(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    register_through_the_page(page)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
    screenshot(page, "home-phone")


def test_forgot_password_mail_reset_page_and_log_in_with_the_new_password(
    browser: Browser, tmp_path: Path, fresh_database_url: str
) -> None:
    port = free_port()
    env = {"SMTP_URL": f"smtp://127.0.0.1:{port}"}
    with smtp_server(port) as inbox, running_service(tmp_path, fresh_database_url, extra_env=env) as service:
        context = browser.new_context(base_url=service.url.replace("127.0.0.1", "localhost"))
        page = context.new_page()
        register_through_the_page(page)
        page.click("main button:has-text('Log out')")
        page.goto("/login")
        page.click("text=Forgot password?")
        page.fill("input[name=email]", "alice@example.com")
        screenshot(page, "forgot-password")
        page.click("button[type=submit]")
        expect(page.locator("main")).to_contain_text("a reset link is on its way")
        reset = [m for m in inbox.wait_for_sync(2) if m["Subject"] == "Reset your password"][0]
        link = link_in(reset, "http://localhost:8000/reset-password?token=")
        page.goto(link.removeprefix("http://localhost:8000"))
        page.fill("input[name=new_password]", "amber-Lighthouse-77")
        screenshot(page, "reset-password")
        page.click("button[type=submit]")
        expect(page.locator("main")).to_contain_text("Your password was changed")
        page.click("main a:has-text('Log in')")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", "amber-Lighthouse-77")
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        expect(page.locator("main")).to_contain_text("You are signed in as alice")
        context.close()
