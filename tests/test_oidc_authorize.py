"""The authorization endpoint as the OpenID Foundation's Basic and Config OP plans probe it from outside:
discovery, login and consent, prompt and max_age, and every refusal (a page or a redirect, never both)."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from api.db.models import AuthorizationCode, Consent

from .conftest import Clock, bearer
from .forms import ORIGIN
from .oidc import (
    ISSUER,
    REDIRECT_URI,
    Pkce,
    authorize_query,
    code_for,
    consent,
    exchange,
    login_next,
    provider,
    redirect_fields,
)


async def test_discovery_advertises_every_endpoint_from_public_url(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        config = (await p.client.get("/.well-known/openid-configuration")).json()
        rfc8414 = (await p.client.get("/.well-known/oauth-authorization-server")).json()
    assert config["issuer"] == ISSUER
    assert config["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert config["token_endpoint"] == f"{ISSUER}/token"
    assert config["userinfo_endpoint"] == f"{ISSUER}/userinfo"
    assert config["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert config["end_session_endpoint"] == f"{ISSUER}/end-session"
    assert config["response_types_supported"] == ["code"]
    assert config["response_modes_supported"] == ["query"]
    assert config["subject_types_supported"] == ["public"]
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert {"openid", "profile", "email", "offline_access"} <= set(config["scopes_supported"])
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert set(config["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    assert config["authorization_response_iss_parameter_supported"] is True
    assert {"sub", "email", "email_verified", "preferred_username", "name"} <= set(config["claims_supported"])
    for name in ("authorization_endpoint", "userinfo_endpoint", "end_session_endpoint", "jwks_uri"):
        assert rfc8414[name] == config[name]


async def test_jwt_issuer_is_the_issuer_when_set(tmp_path: Path) -> None:
    async with provider(tmp_path, jwt_issuer="https://id.example.com") as p:
        config = (await p.client.get("/.well-known/openid-configuration")).json()
        app = await p.register_app()
        await p.sign_in()
        fields = await code_for(p, app, Pkce())
    assert config["issuer"] == fields["iss"] == "https://id.example.com"
    assert config["authorization_endpoint"] == f"{ISSUER}/authorize"


async def test_an_anonymous_browser_goes_to_the_login_page_which_comes_back_to_the_request(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        query = authorize_query(app, Pkce(), login_hint="alice")
        first = await p.client.get("/authorize", params=query)
        target = login_next(first)
        login_page = await p.client.get(first.headers["location"])
        await p.sign_in()
        again = await p.client.get(target)
    assert urlsplit(target).path == "/authorize"
    assert {name: values[0] for name, values in parse_qs(urlsplit(target).query).items()} == query
    assert 'value="alice"' in login_page.text  # login_hint fills the username
    # the login page's form may end at the app (Chromium checks form-action on redirects)
    assert "form-action 'self' https://app.example" in login_page.headers["content-security-policy"]
    assert again.status_code == 200 and "Notes" in again.text


async def test_the_consent_page_names_the_app_and_each_scope_and_cannot_be_framed(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        page = await p.client.get("/authorize", params=authorize_query(app, Pkce()))
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "Notes" in page.text
    assert "See your e-mail address" in page.text and "(email)" in page.text
    assert 'name="decision" value="allow"' in page.text and 'name="decision" value="deny"' in page.text
    assert 'name="csrf_token"' in page.text


async def test_allowing_gives_a_code_with_state_and_iss_and_is_remembered(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        first = await code_for(p, app, pkce)
        # the same or fewer scopes: no page this time
        second = await p.client.get("/authorize", params=authorize_query(app, pkce, scope="openid"))
        more = await p.client.get(
            "/authorize", params=authorize_query(app, pkce, scope="openid offline_access")
        )
        consents = await Consent.all()
    assert set(first) == {"code", "state", "iss"}
    assert first["state"] == "state-123" and first["iss"] == ISSUER
    assert "code" in redirect_fields(second)
    assert more.status_code == 200  # a new scope asks again
    assert [consent.scope for consent in consents] == ["email openid profile"]


async def test_denying_sends_access_denied_back_to_the_app(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        page = await p.client.get("/authorize", params=authorize_query(app, Pkce()))
        denied = redirect_fields(await consent(p.client, page, "deny"))
        remembered = await Consent.all().count()
    assert denied["error"] == "access_denied"
    assert denied["state"] == "state-123" and denied["iss"] == ISSUER
    assert remembered == 0


async def test_a_consent_post_without_the_csrf_token_is_refused(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        query = authorize_query(app, Pkce())
        forged = await p.client.post("/authorize", data={**query, "decision": "allow"}, headers=ORIGIN)
        codes = await AuthorizationCode.all().count()
    assert forged.status_code == 403
    assert codes == 0


async def test_a_trusted_app_skips_the_consent_page(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(trusted=True)
        await p.sign_in()
        response = await p.client.get("/authorize", params=authorize_query(app, Pkce()))
    assert "code" in redirect_fields(response)


async def test_prompt_none_answers_login_required_then_consent_required(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        anonymous = await p.client.get("/authorize", params=authorize_query(app, Pkce(), prompt="none"))
        await p.sign_in()
        unconsented = await p.client.get("/authorize", params=authorize_query(app, Pkce(), prompt="none"))
        await code_for(p, app, Pkce())
        silent = await p.client.get("/authorize", params=authorize_query(app, Pkce(), prompt="none"))
    assert redirect_fields(anonymous)["error"] == "login_required"
    assert redirect_fields(unconsented)["error"] == "consent_required"
    assert "code" in redirect_fields(silent)


async def test_prompt_login_asks_for_the_password_again_and_comes_back_without_it(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(trusted=True)
        await p.sign_in()
        response = await p.client.get("/authorize", params=authorize_query(app, Pkce(), prompt="login"))
        target = login_next(response)
    assert "prompt" not in parse_qs(urlsplit(target).query)


async def test_prompt_consent_shows_the_page_even_when_remembered(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        await code_for(p, app, Pkce())
        again = await p.client.get("/authorize", params=authorize_query(app, Pkce(), prompt="consent"))
    assert again.status_code == 200 and 'value="allow"' in again.text


async def test_max_age_older_than_the_sign_in_asks_for_the_password_and_auth_time_is_in_the_id_token(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(trusted=True)
        await p.sign_in()
        pkce = Pkce()
        fresh = await p.client.get("/authorize", params=authorize_query(app, pkce, max_age="3600"))
        code = redirect_fields(fresh)["code"]
        tokens = (await exchange(p.client, app, code, pkce)).json()
        zero = await p.client.get("/authorize", params=authorize_query(app, pkce, max_age="0"))
        target = login_next(zero)
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert isinstance(claims["auth_time"], int) and claims["auth_time"] <= claims["iat"]
    # max_age=0 is "sign in now": the way back does not ask for it again
    assert "max_age" not in parse_qs(urlsplit(target).query)


async def test_an_old_sign_in_beyond_max_age_goes_to_the_login_page(tmp_path: Path) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock) as p:
        app = await p.register_app(trusted=True)
        await p.sign_in()
        clock.advance(minutes=10)
        stale = await p.client.get("/authorize", params=authorize_query(app, Pkce(), max_age="60"))
        fine = await p.client.get("/authorize", params=authorize_query(app, Pkce(), max_age="3600"))
    assert urlsplit(stale.headers["location"]).path == "/login"
    assert "code" in redirect_fields(fine)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "no-such-client"}, "Unknown client"),
        ({"client_id": ""}, "no client_id"),
        ({"redirect_uri": "https://evil.example/callback"}, "not one the app registered"),
        ({"redirect_uri": "https://app.example/callback/"}, "not one the app registered"),
        ({"redirect_uri": "https://app.example/callback?x=1"}, "not one the app registered"),
        ({"redirect_uri": ""}, "no redirect_uri"),
    ],
)
async def test_a_bad_client_or_redirect_uri_gets_a_page_never_a_redirect(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        response = await p.client.get("/authorize", params={**authorize_query(app, Pkce()), **change})
        codes = await AuthorizationCode.all().count()
    assert response.status_code == 400
    assert "location" not in response.headers
    assert message in response.text
    assert codes == 0


async def test_a_repeated_redirect_uri_or_client_id_gets_a_page(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        query = list(authorize_query(app, Pkce()).items())
        repeated = await p.client.get("/authorize", params=[*query, ("redirect_uri", REDIRECT_URI)])
        twice = await p.client.get("/authorize", params=[*query, ("client_id", app.client_id)])
    assert repeated.status_code == twice.status_code == 400
    assert "repeats redirect_uri" in repeated.text and "repeats client_id" in twice.text


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"response_type": ""}, "invalid_request", "response_type is required"),
        ({"response_type": "token"}, "unsupported_response_type", "response_type=code"),
        ({"response_type": "code id_token"}, "unsupported_response_type", "response_type=code"),
        ({"scope": "openid billing:write"}, "invalid_scope", "billing:write"),
        ({"scope": ""}, "invalid_request", "scope is required"),
        (
            {"code_challenge": "", "code_challenge_method": ""},
            "invalid_request",
            "code_challenge is required",
        ),
        ({"code_challenge_method": "plain"}, "invalid_request", "must be S256"),
        ({"code_challenge_method": ""}, "invalid_request", "must be S256"),
        ({"code_challenge": "short"}, "invalid_request", "43 base64url"),
        ({"prompt": "select_account"}, "invalid_request", "Unsupported prompt"),
        ({"prompt": "none login"}, "invalid_request", "cannot be combined"),
        ({"max_age": "soon"}, "invalid_request", "max_age"),
        ({"max_age": "-1"}, "invalid_request", "max_age"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported", "not supported"),
        ({"request_uri": "https://app.example/request.jwt"}, "request_not_supported", "not supported"),
        ({"state": "x" * 2001}, "invalid_request", "state is longer"),
    ],
)
async def test_every_other_error_goes_back_to_the_app_with_state_and_iss(
    tmp_path: Path, change: dict[str, str], error: str, words: str
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        query = {**authorize_query(app, Pkce()), **change}
        response = await p.client.get("/authorize", params={k: v for k, v in query.items() if v != ""})
        codes = await AuthorizationCode.all().count()
    fields = redirect_fields(response)
    assert fields["error"] == error
    assert words in fields["error_description"]
    assert fields["iss"] == ISSUER
    if "state" not in change:
        assert fields["state"] == "state-123"
    assert codes == 0


async def test_a_repeated_parameter_is_invalid_request(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        query = list(authorize_query(app, Pkce()).items())
        response = await p.client.get("/authorize", params=[*query, ("scope", "openid")])
    fields = redirect_fields(response)
    assert fields["error"] == "invalid_request" and "scope is repeated" in fields["error_description"]


async def test_a_client_without_the_code_grant_is_unauthorized_client(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(grant_types=["client_credentials"], scopes=["profile"])
        response = await p.client.get("/authorize", params=authorize_query(app, Pkce(), scope="profile"))
    assert redirect_fields(response)["error"] == "unauthorized_client"


async def test_unknown_parameters_are_ignored(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(trusted=True)
        await p.sign_in()
        response = await p.client.get(
            "/authorize", params={**authorize_query(app, Pkce()), "claims_locales": "fr", "foo": "bar"}
        )
    fields = redirect_fields(response)
    assert "code" in fields and "foo" not in fields


async def test_a_decision_in_a_get_is_an_unknown_parameter(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        response = await p.client.get(
            "/authorize", params={**authorize_query(app, Pkce()), "decision": "allow"}
        )
        codes = await AuthorizationCode.all().count()
    assert response.status_code == 200 and 'value="allow"' in response.text
    assert codes == 0


async def test_post_to_authorize_works_as_a_form(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(trusted=True)
        await p.sign_in()
        response = await p.client.post("/authorize", data=authorize_query(app, Pkce()), headers=ORIGIN)
    assert "code" in redirect_fields(response)


async def test_without_pkce_a_confidential_client_that_opted_out_needs_a_nonce(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(require_pkce=False, trusted=True)
        await p.sign_in()
        without_nonce = await p.client.get("/authorize", params=authorize_query(app, None, nonce=""))
        with_nonce = await p.client.get("/authorize", params=authorize_query(app, None))
        code = redirect_fields(with_nonce)["code"]
        tokens = await exchange(p.client, app, code, None)
    assert redirect_fields(without_nonce)["error"] == "invalid_request"
    assert tokens.status_code == 200, tokens.text


async def test_a_nonce_stands_in_for_pkce_only_with_openid(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(require_pkce=False, trusted=True)
        await p.sign_in()
        without_openid = await p.client.get("/authorize", params=authorize_query(app, None, scope="profile"))
        with_pkce = await p.client.get("/authorize", params=authorize_query(app, Pkce(), scope="profile"))
        codes = await AuthorizationCode.all().count()
    # no id_token without openid, so nobody would ever check the nonce
    refused = redirect_fields(without_openid)
    assert refused["error"] == "invalid_request" and "code_challenge" in refused["error_description"]
    assert "code" in redirect_fields(with_pkce)
    assert codes == 1


async def test_a_public_clients_loopback_ip_redirect_uri_matches_on_any_port_but_localhost_does_not(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(
            confidential=False,
            redirect_uris=["http://127.0.0.1/callback", "http://localhost:8080/callback"],
            trusted=True,
        )
        await p.sign_in()
        pkce = Pkce()
        port = await p.client.get(
            "/authorize", params=authorize_query(app, pkce, redirect_uri="http://127.0.0.1:53682/callback")
        )
        other_path = await p.client.get(
            "/authorize", params=authorize_query(app, pkce, redirect_uri="http://127.0.0.1:53682/other")
        )
        localhost = await p.client.get(
            "/authorize", params=authorize_query(app, pkce, redirect_uri="http://localhost:9999/callback")
        )
    assert "code" in redirect_fields(port, to="http://127.0.0.1:53682/callback")
    assert other_path.status_code == localhost.status_code == 400


async def test_a_confidential_clients_loopback_redirect_uri_matches_only_with_its_port(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(
            redirect_uris=["http://127.0.0.1:8080/callback", "http://[::1]/callback"], trusted=True
        )
        await p.sign_in()
        pkce = Pkce()
        answers = {
            uri: await p.client.get("/authorize", params=authorize_query(app, pkce, redirect_uri=uri))
            for uri in (
                "http://127.0.0.1:8080/callback",
                "http://127.0.0.1:53682/callback",
                "http://127.0.0.1/callback",
                "http://[::1]:53682/callback",
            )
        }
        codes = await AuthorizationCode.all().count()
    assert "code" in redirect_fields(
        answers.pop("http://127.0.0.1:8080/callback"), to="http://127.0.0.1:8080/callback"
    )
    for refused in answers.values():
        assert refused.status_code == 400 and "location" not in refused.headers
        assert "not one the app registered" in refused.text
    assert codes == 1


async def test_the_admin_scope_is_granted_only_to_administrators(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(scopes=["openid", "admin"], trusted=True)
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="openid admin")
        tokens = (await exchange(p.client, app, fields["code"], pkce)).json()
        admin_users = await p.client.get("/users", headers=bearer(tokens["access_token"]))
    assert tokens["scope"] == "openid"
    assert admin_users.status_code == 403
