"""The account page in a real browser, as a person uses it: two-factor, recovery codes, sessions, deletion.

Same set-up as test_browser.py (Debian's Chromium, network closed, CSP errors fail the test); every page
is photographed at desktop and phone width, and at phone width must not scroll sideways.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, Route, ViewportSize, expect

from .conftest import PASSWORD
from .live import Service, running_service
from .test_browser import browser, page, register_through_the_page, screenshot  # noqa: F401

NEW_PASSWORD = "amber-Lighthouse-77"
DESKTOP: ViewportSize = {"width": 1100, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def service(tmp_path: Path, fresh_database_url: str) -> Iterator[Service]:
    """`python run.py` on a fresh database; what it printed is shown when the test fails."""
    with running_service(tmp_path, fresh_database_url) as running:
        yield running
        print(f"--- service log ---\n{running.output[-20000:]}")


@pytest.fixture
def server(service: Service) -> str:
    """The service's base URL on localhost (the Secure cookie works there); `page` is built on it."""
    return service.url.replace("127.0.0.1", "localhost")


@pytest.fixture
def server_errors(page: Page) -> Iterator[list[str]]:  # noqa: F811
    """Every 5xx answer the tab gets; none is allowed."""
    errors: list[str] = []

    def record(response: Response) -> None:
        if response.status >= 500:
            errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", record)
    yield errors
    assert errors == [], f"the server failed: {errors} (its log is under 'Captured stdout teardown')"


@contextmanager
def second_device(chromium: Browser, server: str) -> Iterator[Page]:
    """another browser context (another device), with the same closed network and CSP check as `page`."""
    context: BrowserContext = chromium.new_context(base_url=server, viewport=DESKTOP)
    refused: list[str] = []
    errors: list[str] = []

    def closed_network(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("localhost", "127.0.0.1"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", closed_network)
    opened = context.new_page()
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        yield opened
    finally:
        context.close()
    assert refused == [], f"the page tried to reach the internet: {refused}"
    assert not [e for e in errors if "Content Security Policy" in e], errors


def photograph(tab: Page, name: str) -> None:
    """Screenshots `NAME-desktop` and `NAME-phone`; at phone width the page must not overflow sideways."""
    tab.set_viewport_size(DESKTOP)
    screenshot(tab, f"{name}-desktop")
    tab.set_viewport_size(PHONE)
    fits = tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(tab, f"{name}-phone")
    width = tab.evaluate("document.documentElement.scrollWidth")
    tab.set_viewport_size(DESKTOP)
    assert fits is True, f"{name} is {width}px wide on a {PHONE['width']}px phone screen"


def a_wrong_code(secret: str) -> str:
    """A six-digit code that no step near now accepts."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time() + drift) for drift in range(-90, 91, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def open_account_from_the_header(tab: Page) -> None:
    tab.click("nav a:has-text('Account')")
    tab.wait_for_url("**/account")
    expect(tab.locator("h1")).to_have_text("alice")


def turn_on_two_factor(tab: Page) -> tuple[str, list[str]]:
    """On /account: set up two-factor, confirm it with the app's code; the secret and the recovery codes."""
    setup = tab.locator("#two-factor #set-up-mfa")
    setup.locator("input[name=password]").fill(PASSWORD)
    setup.locator("button:has-text('Set up two-factor')").click()
    expect(tab.locator("#two-factor .qr svg")).to_be_visible()
    secret = tab.locator("#two-factor code.secret").inner_text().strip()
    assert len(secret) >= 16, secret
    photograph(tab, "account-mfa-setup")

    confirm = tab.locator("#confirm-mfa")
    confirm.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    confirm.locator("button:has-text('Turn on')").click()
    expect(tab.locator(".notice")).to_have_text("Two-factor authentication is on.")
    codes = tab.locator("#recovery-codes ul.codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10, codes
    expect(tab.locator("#two-factor #regenerate-codes")).to_be_visible()
    expect(tab.locator("#two-factor #disable-mfa")).to_be_visible()
    expect(tab.locator("#set-up-mfa")).to_have_count(0)
    photograph(tab, "account-recovery-codes")
    return secret, codes


def log_out_from_the_header(tab: Page) -> None:
    tab.click("nav button:has-text('Log out')")
    tab.wait_for_url("**/")
    expect(tab.locator("main")).to_contain_text("Not signed in")


def enter_password(tab: Page, password: str = PASSWORD) -> None:
    """On /login: the username and password, then "Log in"."""
    tab.fill("input[name=username]", "alice")
    tab.fill("input[name=password]", password)
    tab.click("button:has-text('Log in')")


def expect_second_step(tab: Page) -> None:
    expect(tab.locator("h1")).to_have_text("Enter your code")
    expect(tab.locator("#code-form input[name=otp]")).to_be_visible()
    expect(tab.locator("#recovery-form")).to_be_hidden()  # folded away in its <details>


def enter_recovery_code(tab: Page, code: str) -> None:
    tab.click("details summary:has-text('Use a recovery code')")
    recovery = tab.locator("#recovery-form")
    expect(recovery).to_be_visible()
    recovery.locator("input[name=otp]").fill(code)


def token_status(server: str, password: str) -> int:
    """What the password grant at /token answers for alice and `password`."""
    answer = httpx.post(f"{server}/token", data={"username": "alice", "password": password}, timeout=10)
    return answer.status_code


@pytest.mark.usefixtures("server_errors")
def test_two_factor_recovery_codes_sessions_password_and_deletion_as_a_person_would(
    page: Page,  # noqa: F811
    browser: Browser,  # noqa: F811
    server: str,
) -> None:
    register_through_the_page(page)
    open_account_from_the_header(page)
    expect(page.locator("#profile input[name=full_name]")).to_have_value("Alice Liddell")
    expect(page.locator("#sessions li.session.current")).to_contain_text("This browser")
    photograph(page, "account")

    profile = page.locator("#profile")
    profile.locator("input[name=full_name]").fill("Alice P. Liddell")
    profile.locator("button:has-text('Save profile')").click()
    expect(page.locator(".notice")).to_have_text("Profile saved.")
    expect(page.locator("#profile input[name=full_name]")).to_have_value("Alice P. Liddell")

    secret, codes = turn_on_two_factor(page)

    # password, then the code from the app (the next step's: the confirmation used this one)
    log_out_from_the_header(page)
    page.click("nav a:has-text('Log in')")
    page.wait_for_url("**/login")
    photograph(page, "login")
    enter_password(page)
    expect_second_step(page)
    photograph(page, "login-code")
    page.fill("#code-form input[name=otp]", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("#code-form button:has-text('Verify')")
    page.wait_for_url("**/")
    expect(page.locator("main")).to_contain_text("You are signed in as alice")

    # password, then a recovery code; back to the page asked for
    log_out_from_the_header(page)
    page.goto("/account")
    page.wait_for_url("**/login?next=/account")
    enter_password(page)
    expect_second_step(page)
    enter_recovery_code(page, codes[0])
    photograph(page, "login-recovery")
    page.click("#recovery-form button:has-text('Use recovery code')")
    page.wait_for_url("**/account")
    expect(page.locator("#two-factor .badge.on")).to_have_text("On")

    # a second device logs in with another recovery code, and the first one ends its session
    with second_device(browser, server) as phone:
        phone.goto("/account")
        phone.wait_for_url("**/login?next=/account")
        enter_password(phone)
        expect_second_step(phone)
        enter_recovery_code(phone, codes[1])
        phone.click("#recovery-form button:has-text('Use recovery code')")
        phone.wait_for_url("**/account")
        expect(phone.locator("h1")).to_have_text("alice")

        page.reload()
        sessions = page.locator("#sessions li.session")
        expect(sessions).to_have_count(2)
        current = page.locator("#sessions li.session.current")
        expect(current).to_have_count(1)
        expect(current.locator(".badge")).to_have_text("This browser")
        expect(current.locator("button")).to_have_text("Log out")
        other = page.locator("#sessions li.session:not(.current)")
        expect(other.locator("button")).to_have_text("End")
        photograph(page, "account-sessions")
        other.locator("button:has-text('End')").click()
        page.wait_for_url("**/account")
        expect(page.locator("#sessions li.session")).to_have_count(1)
        expect(page.locator("#sessions li.session.current")).to_have_count(1)

        phone.reload()
        phone.wait_for_url("**/login?next=/account")
        expect(phone.locator("h1")).to_have_text("Log in")

    # a new password: this browser stays in, the old password is refused, the new one asks for the code
    password = page.locator("#password")
    password.locator("input[name=current_password]").fill(PASSWORD)
    password.locator("input[name=new_password]").fill(NEW_PASSWORD)
    password.locator("button:has-text('Change password')").click()
    page.wait_for_url("**/account?done=password")
    expect(page.locator(".notice")).to_have_text("Password changed: your other sessions have ended.")
    expect(page.locator("#sessions li.session.current")).to_have_count(1)
    photograph(page, "account-password-changed")
    assert token_status(server, PASSWORD) == 400
    assert token_status(server, NEW_PASSWORD) == 403  # right password, code still needed

    # deletion logs out; the account is gone for the page and for the API
    delete = page.locator("#delete")
    delete.locator("input[name=password]").fill(NEW_PASSWORD)
    delete.locator("button:has-text('Delete my account')").click()
    page.wait_for_url("**/")
    expect(page.locator("main")).to_contain_text("Not signed in")
    assert page.context.cookies() == []
    page.goto("/login")
    enter_password(page, NEW_PASSWORD)
    expect(page.locator(".alert")).to_have_text("Incorrect username or password")
    assert token_status(server, NEW_PASSWORD) == 400


@pytest.mark.usefixtures("server_errors")
def test_a_wrong_code_on_the_second_step_shows_the_error_and_the_right_one_then_logs_in(
    page: Page,  # noqa: F811
) -> None:
    register_through_the_page(page)
    open_account_from_the_header(page)
    secret, _ = turn_on_two_factor(page)
    log_out_from_the_header(page)

    page.goto("/login")
    enter_password(page)
    expect_second_step(page)
    page.fill("#code-form input[name=otp]", a_wrong_code(secret))
    page.click("#code-form button:has-text('Verify')")
    expect(page.locator(".alert")).to_have_text("Invalid one-time code")
    expect_second_step(page)
    assert page.context.cookies() == []
    photograph(page, "login-code-error")

    page.fill("#code-form input[name=otp]", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("#code-form button:has-text('Verify')")
    page.wait_for_url("**/")
    expect(page.locator("main")).to_contain_text("You are signed in as alice")
