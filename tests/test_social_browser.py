"""Signing in with another identity provider in a real browser: the service's "Sign in with Company" button,
the provider's own login page, and back on the service signed in; with `next`; and a local account linking
Company from the account page, then signing in with it.

The provider is a second instance of this service on 127.0.0.1, the service under test is on localhost (see
tests/social.py). Same set-up as test_browser.py (Debian's Chromium, network closed, CSP errors fail the test,
no 5xx), except that the network is open to exactly these two origins. Chromium applies the page's CSP
`form-action` to every redirect a form post follows: the button's post is answered by a redirect to the
provider, so the login and account pages must allow the provider's issuer, or the navigation stops with a CSP
error.
"""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from .conftest import PASSWORD
from .social import PROVIDER, Pair, provider_and_service
from .test_account_browser import server_errors  # noqa: F401
from .test_browser import browser, register_through_the_page, screenshot  # noqa: F401


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def pair(tmp_path: Path, fresh_database_url: str) -> Iterator[Pair]:
    """The provider (127.0.0.1, with alice) and the service under test (localhost) with it as `company`;
    what both printed is shown when the test fails."""
    with provider_and_service(tmp_path, fresh_database_url) as running:
        yield running
        print(f"--- provider log ---\n{running.idp.output[-10000:]}")
        print(f"--- service log ---\n{running.service.output[-10000:]}")


@pytest.fixture
def page(browser: Browser, pair: Pair) -> Iterator[Page]:  # noqa: F811
    """A fresh browser context on the service under test; every request to anything but the service and the
    provider is refused and recorded; a CSP error in the console fails the test."""
    context = browser.new_context(base_url=pair.service.url, viewport={"width": 1100, "height": 800})
    allowed = {origin(pair.service.url), origin(pair.idp.url)}
    refused: list[str] = []

    def closed_network(route: Route) -> None:
        if origin(route.request.url) in allowed:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", closed_network)
    console: list[str] = []
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        console.append(f"{message.type}: {message.text}")
        if message.type == "error":
            errors.append(message.text)

    tab = context.new_page()
    tab.on("console", record)
    yield tab
    context.close()
    print("--- browser console ---\n" + "\n".join(console))
    assert refused == [], f"the page tried to reach the internet: {refused}"
    assert not [e for e in errors if "Content Security Policy" in e], errors


def form_action(tab: Page, path: str) -> list[str]:
    """The sources of the CSP `form-action` of the service's page at `path` (opened in `tab`)."""
    answer = tab.goto(path)
    assert answer is not None and answer.status == 200, answer
    policy = answer.headers["content-security-policy"]
    [directive] = [d.split() for d in policy.split(";") if d.split()[:1] == ["form-action"]]
    return directive[1:]


def sign_in_at_the_provider(tab: Page, pair: Pair) -> None:
    """On the provider's login page (127.0.0.1), alice's username and password, then "Log in"."""
    tab.wait_for_url(lambda url: url.startswith(f"{pair.idp.url}/login?next="))
    expect(tab.locator("h1")).to_have_text("Log in")
    expect(tab.locator("#providers")).to_have_count(0)  # the provider has no providers of its own
    screenshot(tab, "social-provider-login")
    tab.fill("input[name=username]", "alice")
    tab.fill("input[name=password]", PASSWORD)
    tab.get_by_role("button", name="Log in", exact=True).click()


def press_sign_in_with_company(tab: Page, pair: Pair, path: str = "/login") -> None:
    """On the service's login page: its "Sign in with Company" button (a form post to /login/company)."""
    assert origin(pair.idp.url) in form_action(tab, path)
    button = tab.locator(f"#providers form[action='/login/{PROVIDER}'] button")
    expect(button).to_have_text("Sign in with Company")
    button.click()


def expect_service_session(tab: Page) -> None:
    """The service's auth cookie (host-only on localhost) and the provider's own, never mixed; the flow cookie
    is gone."""
    cookies = {(cookie["name"], cookie["domain"]) for cookie in tab.context.cookies()}
    assert ("auth_token", "localhost") in cookies, cookies
    assert ("auth_token", "127.0.0.1") in cookies, cookies
    assert not [name for name, _ in cookies if name == "sign_in_flow"], cookies


@pytest.mark.usefixtures("server_errors")
def test_sign_in_with_company_goes_to_the_provider_and_comes_back_signed_in(page: Page, pair: Pair) -> None:
    page.goto("/login")
    screenshot(page, "social-login")
    press_sign_in_with_company(page, pair)
    sign_in_at_the_provider(page, pair)

    page.wait_for_url(f"{pair.service.url}/")
    expect(page.locator("main")).to_contain_text("You are signed in as alice")
    expect_service_session(page)
    screenshot(page, "social-signed-in")

    page.click("nav a:has-text('Account')")
    page.wait_for_url(f"{pair.service.url}/account")
    expect(page.locator("h1")).to_have_text("alice")
    methods = page.locator("#sign-in-methods")
    expect(methods.locator("li")).to_have_count(1)
    expect(methods.locator("li strong")).to_have_text("Company")
    expect(methods.locator("li")).to_contain_text("alice@example.com")
    expect(methods.get_by_role("button", name="Unlink")).to_be_visible()
    expect(methods.get_by_role("button", name="Link Company")).to_have_count(0)
    screenshot(page, "social-account")


@pytest.mark.usefixtures("server_errors")
def test_next_survives_the_trip_to_the_provider(page: Page, pair: Pair) -> None:
    page.goto("/private")
    page.wait_for_url(f"{pair.service.url}/login?next=/private")
    expect(page.locator(f"#providers form[action='/login/{PROVIDER}'] input[name=next]")).to_have_value(
        "/private"
    )
    press_sign_in_with_company(page, pair, "/login?next=/private")
    sign_in_at_the_provider(page, pair)

    page.wait_for_url(f"{pair.service.url}/private")
    expect(page.locator("h1")).to_have_text("Only you can see this")
    expect(page.locator("dd.username")).to_have_text("alice")
    expect_service_session(page)
    screenshot(page, "social-private")


@pytest.mark.usefixtures("server_errors")
def test_a_local_account_links_company_then_signs_in_with_it_and_unlinks_it(page: Page, pair: Pair) -> None:
    register_through_the_page(page, "liddell")
    assert origin(pair.idp.url) in form_action(page, "/account")
    expect(page.locator("h1")).to_have_text("liddell")
    methods = page.locator("#sign-in-methods")
    expect(methods.locator("li")).to_have_count(0)
    methods.get_by_role("button", name="Link Company").click()
    sign_in_at_the_provider(page, pair)

    page.wait_for_url(f"{pair.service.url}/account?done=linked#sign-in-methods")
    expect(page.locator("h1")).to_have_text("liddell")
    expect(page.locator(".notice")).to_have_text("Linked: you can sign in with it now.")
    expect(methods.locator("li strong")).to_have_text("Company")
    expect(methods.locator("li")).to_contain_text("alice@example.com")
    expect(methods.get_by_role("button", name="Link Company")).to_have_count(0)
    screenshot(page, "social-linked")

    page.click("nav button:has-text('Log out')")
    page.wait_for_url(f"{pair.service.url}/")
    expect(page.locator("main")).to_contain_text("Not signed in")

    # still signed in at the provider, which trusts the service: no page of its own this time
    navigations: list[str] = []
    page.on(
        "request",
        lambda request: navigations.append(request.url) if request.is_navigation_request() else None,
    )
    press_sign_in_with_company(page, pair)
    page.wait_for_url(f"{pair.service.url}/")
    expect(page.locator("main")).to_contain_text("You are signed in as liddell")
    service, idp = origin(pair.service.url), origin(pair.idp.url)
    assert [(origin(url), urlsplit(url).path) for url in navigations] == [
        (service, "/login"),
        (service, f"/login/{PROVIDER}"),
        (idp, "/authorize"),
        (service, f"/login/{PROVIDER}/callback"),
        (service, "/"),
    ], navigations
    expect_service_session(page)

    # the account has a password: Company may go
    page.goto("/account")
    methods.get_by_role("button", name="Unlink").click()
    page.wait_for_url(f"{pair.service.url}/account?done=unlinked#sign-in-methods")
    expect(page.locator(".notice")).to_have_text("Unlinked.")
    expect(methods.locator("li")).to_have_count(0)
    expect(methods.get_by_role("button", name="Link Company")).to_be_visible()
