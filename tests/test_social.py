"""Signing in with another identity provider, against a real one: a second instance of this service as the
provider (127.0.0.1) and the service under test as its client (localhost), over real HTTP.

One pair of services serves the module: each test has people of its own at the provider. The service knows the
provider three times: `company` (plain), `trusting` (link_verified_email) and `asking` (its consent page).
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from .conftest import PASSWORD
from .live import run_py
from .social import (
    PROVIDER,
    Pair,
    connect,
    hidden,
    me,
    provider_and_service,
    provider_login,
    query_of,
    second_database,
    sign_in,
    sign_out,
    sql,
    start,
)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """The provider and the service, with the three providers added."""
    tmp_path = tmp_path_factory.mktemp("social")
    with (
        second_database(tmp_path, "service") as service_db,
        provider_and_service(tmp_path, service_db) as running,
    ):
        connect(running, "trusting", "Trusting", trusted=True, link_verified_email=True)
        connect(running, "asking", "Asking", trusted=False, link_verified_email=False)
        yield running


@dataclass
class Person:
    """Someone with an account at the provider: a username of their own, an address of their own."""

    username: str
    email: str


@pytest.fixture
def person(pair: Pair) -> Person:
    """A new person at the provider (their address unverified there)."""
    tag = uuid.uuid4().hex[:8]
    someone = Person(username=f"pat-{tag}", email=f"pat-{tag}@example.com")
    response = httpx.post(
        f"{pair.idp.url}/register",
        json={"username": someone.username, "password": PASSWORD, "email": someone.email, "full_name": "Pat"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return someone


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    """One browser: cookies per host, redirects followed by hand."""
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        yield client


def _local(pair: Pair, username: str, email: str, *, verified: bool) -> None:
    created = httpx.post(
        f"{pair.service.url}/register",
        json={"username": username, "password": PASSWORD, "email": email},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    if verified:
        sql(pair.service_db, f"UPDATE users SET email_verified = true WHERE username = '{username}'")


def test_a_new_account_is_made_and_found_again_after_the_providers_address_changes(
    pair: Pair, person: Person, browser: httpx.Client
) -> None:
    landed = sign_in(browser, pair, "/private", username=person.username)
    first = me(browser, pair.service.url).json()
    # the provider's user changes address: the identity is (issuer, subject), not the address
    idp_token = httpx.post(
        f"{pair.idp.url}/token", data={"username": person.username, "password": PASSWORD}
    ).json()
    changed = httpx.patch(
        f"{pair.idp.url}/user/me",
        json={"email": f"new-{person.email}"},
        headers={"Authorization": f"Bearer {idp_token['access_token']}"},
    )
    sign_out(browser)
    again = sign_in(browser, pair, username=person.username)
    second = me(browser, pair.service.url).json()
    identities = browser.get(f"{pair.service.url}/user/me/identities").json()
    password_login = httpx.post(
        f"{pair.service.url}/token", data={"username": first["username"], "password": PASSWORD}
    )
    assert landed.status_code == 303 and landed.headers["location"] == "/private"
    assert first["username"] == person.username and first["email"] == person.email
    assert first["email_verified"] is False and first["full_name"] == "Pat"
    assert changed.status_code == 200
    assert again.status_code == 303
    assert second["id"] == first["id"]
    assert [(i["provider"], i["email"]) for i in identities] == [(PROVIDER, f"new-{person.email}")]
    # an account made this way has no password until a reset sets one
    assert password_login.status_code == 400


def test_an_unverified_address_never_takes_over_a_local_account(
    pair: Pair, person: Person, browser: httpx.Client
) -> None:
    victim = f"victim-{person.username}"
    _local(pair, victim, person.email, verified=True)
    refused = sign_in(browser, pair, provider="trusting", username=person.username)
    signed_in = me(browser, pair.service.url)
    token = httpx.post(f"{pair.service.url}/token", data={"username": victim, "password": PASSWORD}).json()
    linked = httpx.get(
        f"{pair.service.url}/user/me/identities", headers={"Authorization": f"Bearer {token['access_token']}"}
    ).json()
    assert refused.status_code == 409 and "An account already uses this address" in refused.text
    assert signed_in.status_code == 401
    assert linked == []


@pytest.mark.parametrize(("provider", "allowed"), [("trusting", True), (PROVIDER, False)])
def test_a_verified_address_is_linked_only_when_the_provider_may_link(
    pair: Pair, person: Person, browser: httpx.Client, provider: str, allowed: bool
) -> None:
    local = f"local-{person.username}"
    _local(pair, local, person.email, verified=True)
    sql(pair.idp_db, f"UPDATE users SET email_verified = true WHERE username = '{person.username}'")
    answer = sign_in(browser, pair, provider=provider, username=person.username)
    who = me(browser, pair.service.url)
    if allowed:
        assert answer.status_code == 303
        assert who.json()["username"] == local
    else:
        assert answer.status_code == 409
        assert who.status_code == 401


def test_a_forged_or_replayed_state_is_refused(pair: Pair, person: Person, browser: httpx.Client) -> None:
    started = start(browser, pair.service.url)
    back = provider_login(browser, pair.idp.url, started.headers["location"], username=person.username)
    callback = back.headers["location"]
    with httpx.Client(timeout=30) as other:
        other_browser = other.get(callback)
    forged = browser.get(callback.replace(f"state={query_of(callback)['state']}", "state=forged"))
    # the forged attempt cleared this browser's sign-in: the honest answer comes too late, so does a replay
    honest = browser.get(callback)
    replayed = browser.get(callback)
    assert other_browser.status_code == 400 and "not started in this browser" in other_browser.text
    assert forged.status_code == 400 and "not started in this browser" in forged.text
    assert honest.status_code == replayed.status_code == 400
    assert me(browser, pair.service.url).status_code == 401


def test_a_callback_works_once(pair: Pair, person: Person, browser: httpx.Client) -> None:
    started = start(browser, pair.service.url)
    back = provider_login(browser, pair.idp.url, started.headers["location"], username=person.username)
    first = browser.get(back.headers["location"])
    sign_out(browser)
    replayed = browser.get(back.headers["location"])
    assert first.status_code == 303
    assert replayed.status_code == 400
    assert me(browser, pair.service.url).status_code == 401


def test_a_denied_consent_lands_on_the_login_page_with_a_message(
    pair: Pair, person: Person, browser: httpx.Client
) -> None:
    started = start(browser, pair.service.url, provider="asking")
    consent = provider_login(browser, pair.idp.url, started.headers["location"], username=person.username)
    assert consent.status_code == 200 and "Service under test (asking)" in consent.text
    fields = {
        name: hidden(consent.text, name)
        for name in ("csrf_token", "response_type", "client_id", "redirect_uri", "scope", "state", "nonce")
    }
    fields |= {"code_challenge": hidden(consent.text, "code_challenge"), "code_challenge_method": "S256"}
    denied = browser.post(
        f"{pair.idp.url}/authorize", data={**fields, "decision": "deny"}, headers={"Origin": pair.idp.url}
    )
    landed = browser.get(denied.headers["location"])
    assert query_of(denied.headers["location"])["error"] == "access_denied"
    assert landed.status_code == 400 and "did not sign you in" in landed.text
    assert me(browser, pair.service.url).status_code == 401


def test_a_provider_that_is_down_gets_a_clear_page(pair: Pair, browser: httpx.Client) -> None:
    sql(
        pair.service_db,
        "INSERT INTO identity_providers (name, display_name, issuer, client_id, scopes, "
        "link_verified_email, create_accounts, created_at) VALUES ('down', 'Down', 'http://127.0.0.1:9', "
        "'x', 'openid', false, true, '2026-12-01 00:00:00+00:00')",
    )
    down = start(browser, pair.service.url, provider="down")
    assert down.status_code == 400 and "cannot be reached" in down.text


def test_starting_with_a_get_or_without_the_csrf_token_is_refused(pair: Pair, browser: httpx.Client) -> None:
    by_get = browser.get(f"{pair.service.url}/login/{PROVIDER}")
    browser.get(f"{pair.service.url}/login")
    no_token = browser.post(
        f"{pair.service.url}/login/{PROVIDER}", data={}, headers={"Origin": pair.service.url}
    )
    cross_site = browser.post(
        f"{pair.service.url}/login/{PROVIDER}",
        data={"csrf_token": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert by_get.status_code == 405
    assert no_token.status_code == cross_site.status_code == 403


def test_unlinking_the_last_way_to_sign_in_is_refused(
    pair: Pair, person: Person, browser: httpx.Client
) -> None:
    sign_in(browser, pair, username=person.username)
    account = browser.get(f"{pair.service.url}/account")
    csrf = account.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    refused = browser.delete(
        f"{pair.service.url}/user/me/identities/{PROVIDER}",
        headers={"X-CSRF-Token": csrf, "Origin": pair.service.url},
    )
    still = browser.get(f"{pair.service.url}/user/me/identities").json()
    assert "Sign-in methods" in account.text and "Company" in account.text
    assert refused.status_code == 409
    assert "last way to sign in" in refused.json()["detail"]
    assert len(still) == 1


def test_two_factor_still_asks_for_its_code(pair: Pair, person: Person, browser: httpx.Client) -> None:
    sign_in(browser, pair, username=person.username)
    sql(pair.service_db, f"UPDATE users SET mfa_enabled = true WHERE username = '{person.username}'")
    sign_out(browser)
    second_step = sign_in(browser, pair, username=person.username)
    assert second_step.status_code == 200 and 'name="mfa_token"' in second_step.text
    assert me(browser, pair.service.url).status_code == 401


def test_a_disabled_user_stays_out(pair: Pair, person: Person, browser: httpx.Client) -> None:
    sign_in(browser, pair, username=person.username)
    sql(pair.service_db, f"UPDATE users SET disabled = true WHERE username = '{person.username}'")
    sign_out(browser)
    refused = sign_in(browser, pair, username=person.username)
    assert refused.status_code == 400 and "disabled" in refused.text
    assert me(browser, pair.service.url).status_code == 401


def test_a_second_browser_needs_its_own_sign_in_at_the_provider(pair: Pair) -> None:
    with httpx.Client(timeout=30) as first, httpx.Client(timeout=30) as second:
        started = start(first, pair.service.url)
        jumped = second.get(started.headers["location"])
    # the provider asks this browser to sign in: nothing of the first browser carries over
    assert jumped.status_code == 302 and "/login?" in jumped.headers["location"]


def test_a_key_the_provider_rotated_to_is_fetched_at_once(
    pair: Pair, person: Person, browser: httpx.Client
) -> None:
    assert (
        sign_in(browser, pair, username=person.username).status_code == 303
    )  # the provider's keys are cached
    rotated = run_py(pair.idp_cwd, pair.idp_db, "rotate-keys")
    new_kid = rotated.stdout.split("signing key ", 1)[1].split()[0]
    # reading its JWKS makes the provider sign with the new key now, not within the second
    published = [key["kid"] for key in httpx.get(f"{pair.idp.url}/.well-known/jwks.json").json()["keys"]]
    sign_out(browser)
    browser.cookies.delete("auth_token", domain="127.0.0.1")
    again = sign_in(browser, pair, username=person.username)
    assert rotated.returncode == 0, rotated.stderr
    assert new_kid in published
    assert again.status_code == 303, again.text
