"""Signing in with another identity provider, against a real one: a second instance of this service as the
provider (127.0.0.1) and the service under test as its client (localhost), over real HTTP."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import PASSWORD
from .social import (
    PROVIDER,
    hidden,
    me,
    provider_and_service,
    provider_login,
    query_of,
    sign_in,
    sign_out,
    sql,
    start,
)


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    """One browser: cookies per host, redirects followed by hand."""
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        yield client


def test_a_new_account_is_made_and_found_again_after_the_providers_address_changes(
    tmp_path: Path, fresh_database_url: str, browser: httpx.Client
) -> None:
    with provider_and_service(tmp_path, fresh_database_url) as pair:
        landed = sign_in(browser, pair, "/private")
        first = me(browser, pair.service.url).json()
        # the provider's user changes address: the identity is (issuer, subject), not the address
        idp_token = httpx.post(
            f"{pair.idp.url}/token", data={"username": "alice", "password": PASSWORD}
        ).json()
        changed = httpx.patch(
            f"{pair.idp.url}/user/me",
            json={"email": "alice@new.example"},
            headers={"Authorization": f"Bearer {idp_token['access_token']}"},
        )
        sign_out(browser)
        again = sign_in(browser, pair)
        second = me(browser, pair.service.url).json()
        identities = browser.get(f"{pair.service.url}/user/me/identities").json()
        password_login = httpx.post(
            f"{pair.service.url}/token", data={"username": first["username"], "password": PASSWORD}
        )
    assert landed.status_code == 303 and landed.headers["location"] == "/private"
    assert first["username"] == "alice" and first["email"] == "alice@example.com"
    assert first["email_verified"] is False and first["full_name"] == "Alice"
    assert changed.status_code == 200
    assert again.status_code == 303
    assert second["id"] == first["id"]
    assert [(i["provider"], i["email"]) for i in identities] == [(PROVIDER, "alice@new.example")]
    # an account made this way has no password until a reset sets one
    assert password_login.status_code == 400


def test_an_unverified_address_never_takes_over_a_local_account(
    tmp_path: Path, fresh_database_url: str, browser: httpx.Client
) -> None:
    with provider_and_service(tmp_path, fresh_database_url, link_verified_email=True) as pair:
        victim = httpx.post(
            f"{pair.service.url}/register",
            json={"username": "victim", "password": PASSWORD, "email": "alice@example.com"},
        )
        sql(pair.service_db, "UPDATE users SET email_verified = true WHERE username = 'victim'")
        refused = sign_in(browser, pair)
        signed_in = me(browser, pair.service.url)
        identities = httpx.post(
            f"{pair.service.url}/token", data={"username": "victim", "password": PASSWORD}
        ).json()
        linked = httpx.get(
            f"{pair.service.url}/user/me/identities",
            headers={"Authorization": f"Bearer {identities['access_token']}"},
        ).json()
    assert victim.status_code == 201
    assert refused.status_code == 409 and "An account already uses this address" in refused.text
    assert signed_in.status_code == 401
    assert linked == []


@pytest.mark.parametrize("allowed", [True, False])
def test_a_verified_address_is_linked_only_when_the_provider_may_link(
    tmp_path: Path, fresh_database_url: str, browser: httpx.Client, allowed: bool
) -> None:
    with provider_and_service(tmp_path, fresh_database_url, link_verified_email=allowed) as pair:
        httpx.post(
            f"{pair.service.url}/register",
            json={"username": "alice-local", "password": PASSWORD, "email": "alice@example.com"},
        )
        sql(pair.service_db, "UPDATE users SET email_verified = true WHERE username = 'alice-local'")
        sql(pair.idp_db, "UPDATE users SET email_verified = true WHERE username = 'alice'")
        answer = sign_in(browser, pair)
        who = me(browser, pair.service.url)
    if allowed:
        assert answer.status_code == 303
        assert who.json()["username"] == "alice-local"
    else:
        assert answer.status_code == 409
        assert who.status_code == 401


def test_a_forged_or_replayed_state_is_refused(
    tmp_path: Path, fresh_database_url: str, browser: httpx.Client
) -> None:
    with provider_and_service(tmp_path, fresh_database_url) as pair:
        started = start(browser, pair.service.url)
        back = provider_login(browser, pair.idp.url, started.headers["location"])
        callback = back.headers["location"]
        forged = browser.get(callback.replace(f"state={query_of(callback)['state']}", "state=forged"))
        # the forged attempt spent nothing: but a callback seen once is done
        honest = browser.get(callback)
        replayed = browser.get(callback)
        with httpx.Client(timeout=30) as other:
            other_browser = other.get(callback)
    assert forged.status_code == 400 and "not started in this browser" in forged.text
    assert honest.status_code == 400  # the forged attempt cleared the flow cookie: start again
    assert replayed.status_code == 400
    assert other_browser.status_code == 400


def test_a_denied_consent_lands_on_the_login_page_with_a_message(
    tmp_path: Path, fresh_database_url: str, browser: httpx.Client
) -> None:
    with provider_and_service(tmp_path, fresh_database_url, trusted=False) as pair:
        started = start(browser, pair.service.url)
        consent = provider_login(browser, pair.idp.url, started.headers["location"])
        assert consent.status_code == 200 and "Service under test" in consent.text
        fields = {
            name: hidden(consent.text, name)
            for name in (
                "csrf_token",
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "nonce",
            )
        }
        fields |= {
            "code_challenge": hidden(consent.text, "code_challenge"),
            "code_challenge_method": "S256",
            "decision": "deny",
        }
        denied = browser.post(f"{pair.idp.url}/authorize", data=fields, headers={"Origin": pair.idp.url})
        landed = browser.get(denied.headers["location"])
        accounts = httpx.get(f"{pair.service.url}/user/me", cookies=browser.cookies)
    assert query_of(denied.headers["location"])["error"] == "access_denied"
    assert landed.status_code == 400 and "did not sign you in" in landed.text
    assert accounts.status_code == 401


def test_a_provider_that_is_down_gets_a_clear_page(
    tmp_path: Path, fresh_database_url: str, browser: httpx.Client
) -> None:
    with provider_and_service(tmp_path, fresh_database_url) as pair:
        sql(pair.service_db, "UPDATE identity_providers SET issuer = 'http://127.0.0.1:9'")
        page = browser.get(f"{pair.service.url}/login")
        down = browser.post(
            f"{pair.service.url}/login/{PROVIDER}",
            data={"csrf_token": hidden(page.text, "csrf_token"), "next": "/"},
            headers={"Origin": pair.service.url},
        )
    assert down.status_code == 400 and "cannot be reached" in down.text


def test_starting_with_a_get_or_without_the_csrf_token_is_refused(
    tmp_path: Path, fresh_database_url: str, browser: httpx.Client
) -> None:
    with provider_and_service(tmp_path, fresh_database_url) as pair:
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
    tmp_path: Path, fresh_database_url: str, browser: httpx.Client
) -> None:
    with provider_and_service(tmp_path, fresh_database_url) as pair:
        sign_in(browser, pair)
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


def test_two_factor_still_asks_for_its_code(
    tmp_path: Path, fresh_database_url: str, browser: httpx.Client
) -> None:
    with provider_and_service(tmp_path, fresh_database_url) as pair:
        sign_in(browser, pair)
        sql(pair.service_db, "UPDATE users SET mfa_enabled = true")
        sign_out(browser)
        second_step = sign_in(browser, pair)
        signed_in = me(browser, pair.service.url)
    assert second_step.status_code == 200 and 'name="mfa_token"' in second_step.text
    assert signed_in.status_code == 401


def test_a_disabled_user_stays_out(tmp_path: Path, fresh_database_url: str, browser: httpx.Client) -> None:
    with provider_and_service(tmp_path, fresh_database_url) as pair:
        sign_in(browser, pair)
        sql(pair.service_db, "UPDATE users SET disabled = true")
        sign_out(browser)
        refused = sign_in(browser, pair)
        signed_in = me(browser, pair.service.url)
    assert refused.status_code == 400 and "disabled" in refused.text
    assert signed_in.status_code == 401
