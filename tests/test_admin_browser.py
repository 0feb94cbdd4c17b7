"""The administration console in a real browser, as an administrator uses it; axe-core checks every main page
(no serious or critical violation), and no page scrolls sideways on a phone.

Same set-up as test_browser.py (Debian's Chromium, network closed, CSP errors fail the test). With
DOCS_SCREENSHOTS=1 the screenshots go to docs/images for docs/administration.md.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from .accessibility import assert_accessible, photograph
from .conftest import PASSWORD
from .live import Service, create_admin, free_port, running_service
from .smtp import link_in, smtp_server
from .test_browser import browser, page  # noqa: F401

DOCS_VIEWPORT: ViewportSize = {"width": 1000, "height": 700}


@pytest.fixture
def service(tmp_path: Path, fresh_database_url: str) -> Iterator[Service]:
    """`python run.py` on a fresh database, with `root` its administrator and `alice` and `bob` its users."""
    with running_service(tmp_path, fresh_database_url) as running:
        for name in ("root", "alice", "bob"):
            body = {"username": name, "password": PASSWORD, "email": f"{name}@example.com"}
            assert httpx.post(f"{running.url}/register", json=body).status_code == 201
        promoted = create_admin(tmp_path, fresh_database_url, "root", "")
        assert promoted.returncode == 0, promoted.stderr
        yield running
        print(f"--- service log ---\n{running.output[-20000:]}")


@pytest.fixture
def server(service: Service) -> str:
    return service.url.replace("127.0.0.1", "localhost")


def sign_in(tab: Page, username: str, path: str) -> None:
    """Open `path`, which sends an anonymous visitor to the login page first, and log in there."""
    tab.goto(path)
    tab.wait_for_url(re.compile(r".*/login\?next="))
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("main button[type=submit]")
    tab.wait_for_url(f"**{path}")


def checked(tab: Page, name: str) -> None:
    """axe-core finds nothing serious, the page fits a phone, and its picture is taken."""
    assert_accessible(tab)
    tab.set_viewport_size({"width": 390, "height": 844})
    width = tab.evaluate("document.documentElement.scrollWidth")
    tab.set_viewport_size(DOCS_VIEWPORT)
    assert width <= 390, f"{name} is {width}px wide on a phone"
    photograph(tab, name)


def password_login(server: str, username: str) -> None:
    """A session of `username`'s elsewhere (another device, through the API)."""
    form = {"username": username, "password": PASSWORD}
    assert httpx.post(f"{server}/token", data=form, headers={"User-Agent": "Other device"}).status_code == 200


def test_an_administrator_finds_a_user_ends_a_session_disables_them_and_sees_it_audited(
    page: Page,  # noqa: F811
    server: str,
) -> None:
    password_login(server, "alice")
    password_login(server, "alice")
    page.set_viewport_size(DOCS_VIEWPORT)
    sign_in(page, "root", "/admin/users")
    # by keyboard alone: the search field, then Enter
    page.focus("input[name=q]")
    page.keyboard.type("ALICE@exa")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/users?q=ALICE%40exa")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    checked(page, "users")
    page.click("main table a:has-text('alice')")
    expect(page.locator("main h1")).to_have_text("alice")
    sessions = page.locator("#sessions li.session")
    expect(sessions).to_have_count(2)
    checked(page, "user")
    sessions.first.locator("button:has-text('End session')").click()
    expect(page.locator(".notice")).to_have_text("Session ended.")
    expect(sessions).to_have_count(1)
    page.click("#profile button:has-text('Disable')")
    expect(page.locator(".notice")).to_have_text("Disabled: their sessions have ended.")
    expect(page.locator("#sessions li.muted")).to_have_text("No active session.")

    # the console's sections follow each other in the tab order
    page.focus("nav[aria-label=Administration] a[href='/admin/users']")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/audit")
    page.select_option("select[name=event]", "admin_update")
    page.click("main button:has-text('Filter')")
    row = page.locator("main table tbody tr").first
    expect(row).to_contain_text("admin_update")
    expect(row.locator("td.actor")).to_have_text("root")
    checked(page, "audit")
    page.goto("/admin/audit?event=revocation")
    expect(page.locator("main table tbody tr").first.locator("td.actor")).to_have_text("root")


def test_deleting_a_user_asks_for_their_username(page: Page) -> None:  # noqa: F811
    sign_in(page, "root", "/admin/users")
    page.click("main table a:has-text('bob')")
    page.click("#delete button")
    expect(page.locator("main h1")).to_have_text("Delete bob")
    assert_accessible(page)
    page.fill("input[name=confirm_username]", "bob")
    page.click("main button:has-text('Delete the user')")
    expect(page.locator(".notice")).to_have_text("User deleted.")
    expect(page.locator("main table a:has-text('bob')")).to_have_count(0)


def test_a_non_administrator_is_refused(page: Page) -> None:  # noqa: F811
    page.goto("/admin/users")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    response_codes: list[int] = []
    page.on("response", lambda response: response_codes.append(response.status))
    page.click("main button[type=submit]")
    expect(page.locator("main h1")).to_have_text("Administrators only")
    assert 403 in response_codes
    assert_accessible(page)


def test_an_app_registered_from_the_console_shows_its_secret_once(page: Page) -> None:  # noqa: F811
    page.set_viewport_size(DOCS_VIEWPORT)
    sign_in(page, "root", "/admin/apps")
    page.click("main a:has-text('Register an app')")
    assert_accessible(page)
    page.fill("input[name=name]", "Billing")
    page.check("input[name=grant_types][value=client_credentials]")
    page.fill("input[name=scope]", "profile")
    page.click("main button:has-text('Register')")
    secret = page.locator("#client-secret").inner_text()
    assert len(secret) >= 32
    expect(page.locator(".notice")).to_contain_text("not shown again")
    page.click("main a:has-text('Done')")
    expect(page.locator("input[name=name]")).to_have_value("Billing")
    assert secret not in page.content()
    page.goto("/admin/apps")
    checked(page, "apps")
    shown = [
        ("/admin/keys", "keys"),
        ("/admin/identity-providers", "identity-providers"),
        ("/admin/roles", "roles"),
    ]
    for path, name in shown:
        page.goto(path)
        checked(page, name)


def test_an_invitation_is_accepted_from_the_mailed_link(
    browser: Browser,  # noqa: F811
    tmp_path: Path,
    fresh_database_url: str,
) -> None:
    port = free_port()
    env = {"SMTP_URL": f"smtp://127.0.0.1:{port}", "REGISTRATION_OPEN": "false"}
    with smtp_server(port) as inbox, running_service(tmp_path, fresh_database_url, extra_env=env) as service:
        url = service.url.replace("127.0.0.1", "localhost")
        assert create_admin(tmp_path, fresh_database_url, "root", f"{PASSWORD}\n").returncode == 0
        context = browser.new_context(base_url=url, viewport=DOCS_VIEWPORT)
        tab = context.new_page()
        sign_in(tab, "root", "/admin/invitations")
        tab.fill("input[name=email]", "carol@example.com")
        tab.click("main button:has-text('Invite')")
        expect(tab.locator(".notice")).to_have_text("Invitation sent.")
        expect(tab.locator("#pending li.session")).to_contain_text("carol@example.com")
        checked(tab, "invitations")
        [mail] = [m for m in inbox.wait_for_sync(1) if m["Subject"] == "You are invited to create an account"]
        link = link_in(mail, "http://localhost:8000/accept-invitation?token=")
        invited = browser.new_context(base_url=url).new_page()
        invited.goto(link.removeprefix("http://localhost:8000"))
        invited.fill("input[name=username]", "carol")
        invited.fill("input[name=password]", PASSWORD)
        invited.click("main button[type=submit]")
        expect(invited.locator(".notice")).to_contain_text("Your account carol is ready.")
        tab.goto("/admin/users?q=carol")
        expect(tab.locator("main table tbody tr")).to_contain_text("carol@example.com")
        context.close()
