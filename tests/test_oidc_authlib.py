"""The OpenID Connect provider as apps meet it: Authlib's OAuth2Client walks the authorization code flow
with PKCE over real HTTP against `python run.py`, PyJWT verifies the id_tokens from the JWKS alone, and codes
issued by one process (or worker) are redeemed at another."""

import base64
import hashlib
import secrets
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from .clients import output_field
from .conftest import PASSWORD, SECRET, bearer
from .live import RUN_PY, Service, alive, run_py, running_service
from .oidc import hidden_fields
from .scrapes import TOKEN

with warnings.catch_warnings():
    # Authlib 1.9 deprecates its httpx client on plain httpx (it wants httpx2); its own filter says "always"
    from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
    from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

REDIRECT_URI = "http://127.0.0.1:9/callback"
# RFC 8252 section 7.3: a native app listens on whatever loopback port it gets, and the registered one matches
NATIVE_REDIRECT_URI = "http://127.0.0.1:53682/callback"
SCOPE = "openid profile email offline_access"
ALICE = {
    "username": "alice",
    "password": PASSWORD,
    "email": "alice@example.com",
    "full_name": "Alice Liddell",
}
# what the granted openid profile email allow an app to learn of alice, besides `sub`
ALICE_CLAIMS = {
    "preferred_username": "alice",
    "name": "Alice Liddell",
    "email": "alice@example.com",
    "email_verified": False,
}
# plain HTTP on 127.0.0.1: the cookie must travel without TLS, as in development
BASE_ENV = {"SECRET_KEY": SECRET, "COOKIE_SECURE": "false"}
WORKERS = 2
# requests on new connections until each worker has answered (the kernel hands connections out unevenly)
MAX_ROUNDS = 200


@dataclass(frozen=True)
class App:
    """An app registered with `create-client`: its id, its secret (None for a public client)."""

    client_id: str
    secret: str | None


@dataclass(frozen=True)
class Authorized:
    """What an app holds after the flow: its tokens, and the nonce it sent."""

    token: dict[str, Any]
    nonce: str


def register_app(cwd: Path, database_url: str, *options: str, env: dict[str, str]) -> App:
    """`python run.py create-client Notes` for the code flow with refresh (default scopes: openid profile
    email offline_access)."""
    result = run_py(
        cwd,
        database_url,
        "create-client",
        "Notes",
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--redirect-uri",
        REDIRECT_URI,
        *options,
        extra_env=env,
    )
    assert result.returncode == 0, result.stderr
    if "--public" in options:
        assert "client_secret" not in result.stdout, result.stdout
        return App(client_id=output_field(result.stdout, "client_id"), secret=None)
    return App(
        client_id=output_field(result.stdout, "client_id"),
        secret=output_field(result.stdout, "client_secret"),
    )


def at_its_own_url(*options: str) -> Callable[[int], list[str]]:
    """`python run.py OPTIONS` whose PUBLIC_URL (so its issuer and every URL it advertises) is the address it
    listens on: the port is only known once running_service has chosen it."""

    def command(port: int) -> list[str]:
        public_url = f"PUBLIC_URL=http://127.0.0.1:{port}"
        return ["env", public_url, sys.executable, RUN_PY, *options, "--port", str(port)]

    return command


def oauth_client(
    app: App, *, auth_method: str | None = None, redirect_uri: str = REDIRECT_URI, **httpx_options: Any
) -> Any:
    """Authlib's client for the app: PKCE S256, the secret sent as `auth_method` (by default Basic, or none
    for a public app)."""
    if auth_method is None:
        auth_method = "none" if app.secret is None else "client_secret_basic"
    return OAuth2Client(
        client_id=app.client_id,
        client_secret=app.secret,
        token_endpoint_auth_method=auth_method,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=30,
        **httpx_options,
    )


def query_of(url: str) -> dict[str, str]:
    """A URL's query, one value a name."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


def sign_up(url: str) -> None:
    """Register alice (with an e-mail address and a name, for the profile and email claims)."""
    response = httpx.post(f"{url}/register", json=ALICE, timeout=30)
    assert response.status_code == 201, response.text


def authorization_url(oauth: Any, authorization_endpoint: str) -> tuple[str, str, str, str]:
    """Authlib's authorization request: the URL, and the state, nonce and code verifier it carries."""
    state, nonce, verifier = (secrets.token_urlsafe(16), secrets.token_urlsafe(16), secrets.token_urlsafe(48))
    url, sent_state = oauth.create_authorization_url(
        authorization_endpoint, code_verifier=verifier, nonce=nonce, state=state
    )
    assert sent_state == state
    return url, state, nonce, verifier


def sign_in(browser: httpx.Client, url: str) -> str:
    """The browser, not signed in, opens the authorization URL: sent to the login page, it signs in with the
    page's form, which comes back to the request; the /authorize path and query it comes back to."""
    first = browser.get(url)
    assert first.status_code == 302, first.text
    assert urlsplit(first.headers["location"]).path == "/login", first.headers["location"]
    comes_back_to = query_of(first.headers["location"])["next"]
    assert comes_back_to.startswith("/authorize?")
    assert query_of(comes_back_to) == query_of(url)
    form = {"grant_type": "password", "username": "alice", "password": PASSWORD, "next": comes_back_to}
    signed_in = browser.post("/token", data=form, headers={"Accept": "text/html", **same_site(browser)})
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == comes_back_to
    return comes_back_to


def same_site(browser: httpx.Client) -> dict[str, str]:
    """The Origin a browser sends with a form post from the service's own pages."""
    return {"Origin": str(browser.base_url).rstrip("/")}


def allow(browser: httpx.Client, page: httpx.Response) -> httpx.Response:
    """Press Allow on the consent page: its hidden fields (the request and the CSRF token) posted back."""
    assert page.status_code == 200, page.text
    assert "Notes" in page.text
    fields = hidden_fields(page.text)
    assert fields["csrf_token"]
    return browser.post("/authorize", data={**fields, "decision": "allow"}, headers=same_site(browser))


def back_to_app(response: httpx.Response, *, issuer: str, redirect_uri: str) -> str:
    """The authorization response a 302 carries to the app: a code, its state, and `iss` (RFC 9207)."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(f"{redirect_uri}?"), location
    fields = query_of(location)
    assert fields.keys() == {"code", "state", "iss"}, location
    assert fields["iss"] == issuer
    return location


def authorize(
    service: Service,
    app: App,
    browser: httpx.Client,
    *,
    auth_method: str | None = None,
    redirect_uri: str = REDIRECT_URI,
    consent_remembered: bool = False,
) -> Authorized:
    """The whole flow at `service`, its endpoints read from its discovery document: the browser (not signed
    in) signs alice in and allows the app (unless she did before), and Authlib trades the code (its state
    checked) for tokens."""
    discovery = httpx.get(f"{service.url}/.well-known/openid-configuration", timeout=30).json()
    assert discovery["issuer"] == service.url
    with oauth_client(app, auth_method=auth_method, redirect_uri=redirect_uri) as oauth:
        url, state, nonce, verifier = authorization_url(oauth, discovery["authorization_endpoint"])
        answer = browser.get(sign_in(browser, url))
        if not consent_remembered:
            answer = allow(browser, answer)
        response = back_to_app(answer, issuer=service.url, redirect_uri=redirect_uri)
        token = oauth.fetch_token(
            discovery["token_endpoint"], authorization_response=response, code_verifier=verifier, state=state
        )
    return Authorized(token=dict(token), nonce=nonce)


def left_half_hash(access_token: str) -> str:
    """OpenID Connect Core 3.1.3.6's at_hash, computed here: base64url of the left half of SHA-256."""
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def verified_id_token(
    id_token: str, *, jwks_uri: str, client_id: str, issuer: str, access_token: str
) -> dict[str, Any]:
    """The id_token's claims, verified by PyJWT with the key the JWKS publishes for its `kid` and nothing
    else; its header and at_hash checked."""
    header = jwt.get_unverified_header(id_token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT" and header["kid"], header
    key = jwt.PyJWKClient(jwks_uri).get_signing_key_from_jwt(id_token)
    claims: dict[str, Any] = jwt.decode(
        id_token,
        key,
        algorithms=["RS256"],
        audience=client_id,
        issuer=issuer,
        options={"require": ["iss", "sub", "aud", "exp", "iat", "auth_time", "at_hash", "sid"]},
    )
    assert claims["at_hash"] == left_half_hash(access_token)
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert claims["auth_time"] <= claims["iat"]
    return claims


def access_claims(access_token: str) -> dict[str, Any]:
    """What the access token says (its signature is the service's business, unless its key is published)."""
    claims: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return claims


def userinfo(url: str, access_token: str, how: str) -> httpx.Response:
    """/userinfo with the token in the header (GET) or in a form body (POST)."""
    if how == "header":
        return httpx.get(f"{url}/userinfo", headers=bearer(access_token), timeout=30)
    return httpx.post(f"{url}/userinfo", data={"access_token": access_token}, timeout=30)


def assert_userinfo(url: str, access_token: str, sub: str) -> None:
    """Both ways of asking /userinfo answer alice's claims the scopes allow, never cached."""
    for how in ("header", "form"):
        response = userinfo(url, access_token, how)
        assert response.status_code == 200, (how, response.text)
        assert response.json() == {"sub": sub, **ALICE_CLAIMS}, how
        assert response.headers["cache-control"] == "no-store", how


def refused_refresh(oauth: Any, token_endpoint: str, refresh_token: str) -> OAuthError:
    """Authlib's refresh with this refresh token, which the service must refuse."""
    with pytest.raises(OAuthError) as raised:
        oauth.refresh_token(token_endpoint, refresh_token=refresh_token)
    error: OAuthError = raised.value
    return error


def assert_jwks_holds_no_symmetric_key(jwks_uri: str, id_token: str) -> None:
    """The JWKS publishes public keys alone (RSA or EC: no `k`, no private `d`), the id_token's among them."""
    keys = httpx.get(jwks_uri, timeout=30).json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] in ("RSA", "EC") and "k" not in key and "d" not in key, key
    assert jwt.get_unverified_header(id_token)["kid"] in {key["kid"] for key in keys}


# --- one service: the flow for a confidential and a public app, under HS256 and RS256 access tokens ---


@dataclass(frozen=True)
class Provider:
    """`python run.py` listening at its PUBLIC_URL, alice signed up, and two apps registered there."""

    service: Service
    confidential: App
    public: App
    algorithm: str


@pytest.fixture(params=["HS256", "RS256"])
def provider(request: pytest.FixtureRequest, tmp_path: Path, fresh_database_url: str) -> Iterator[Provider]:
    """The service with JWT_ALGORITHM HS256 (the default) or RS256, and a confidential and a public app."""
    env = {**BASE_ENV, "JWT_ALGORITHM": request.param}
    confidential = register_app(tmp_path, fresh_database_url, env=env)
    public = register_app(tmp_path, fresh_database_url, "--public", env=env)
    with running_service(tmp_path, fresh_database_url, at_its_own_url(), extra_env=env) as service:
        sign_up(service.url)
        yield Provider(service=service, confidential=confidential, public=public, algorithm=request.param)


def check_code_flow(
    provider: Provider,
    app: App,
    *,
    auth_method: str,
    redirect_uri: str = REDIRECT_URI,
    consent_remembered: bool = False,
) -> None:
    """Authlib's flow for `app` authenticating with `auth_method`; its id_token verified by PyJWT from the
    JWKS; /userinfo; and Authlib's refresh, the old refresh token refused afterwards."""
    service = provider.service
    token_endpoint = f"{service.url}/token"
    jwks_uri = f"{service.url}/.well-known/jwks.json"
    with httpx.Client(base_url=service.url, timeout=30) as browser:
        authorized = authorize(
            service,
            app,
            browser,
            auth_method=auth_method,
            redirect_uri=redirect_uri,
            consent_remembered=consent_remembered,
        )
    token = authorized.token
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 30 * 60
    assert set(token["scope"].split()) == set(SCOPE.split())
    assert token.keys() >= {"access_token", "id_token", "refresh_token"}
    claims = verified_id_token(
        token["id_token"],
        jwks_uri=jwks_uri,
        client_id=app.client_id,
        issuer=service.url,
        access_token=token["access_token"],
    )
    assert claims["nonce"] == authorized.nonce
    access = access_claims(token["access_token"])
    assert claims["sub"] == access["sub"]
    assert access["client_id"] == app.client_id
    assert {name: claims[name] for name in ALICE_CLAIMS} == ALICE_CLAIMS
    assert_jwks_holds_no_symmetric_key(jwks_uri, token["id_token"])
    assert jwt.get_unverified_header(token["access_token"])["alg"] == provider.algorithm
    if provider.algorithm == "RS256":
        # RS256 access tokens verify from the same JWKS
        access_key = jwt.PyJWKClient(jwks_uri).get_signing_key_from_jwt(token["access_token"])
        verified = jwt.decode(token["access_token"], access_key, algorithms=["RS256"])
        assert verified["sub"] == claims["sub"]
    assert_userinfo(service.url, token["access_token"], claims["sub"])

    with oauth_client(app, auth_method=auth_method, redirect_uri=redirect_uri) as oauth:
        refreshed = dict(oauth.refresh_token(token_endpoint, refresh_token=token["refresh_token"]))
        assert refreshed["access_token"] != token["access_token"]
        assert refreshed["refresh_token"] != token["refresh_token"]
        assert set(refreshed["scope"].split()) == set(SCOPE.split())
        renewed = verified_id_token(
            refreshed["id_token"],
            jwks_uri=jwks_uri,
            client_id=app.client_id,
            issuer=service.url,
            access_token=refreshed["access_token"],
        )
        assert renewed["sub"] == claims["sub"] == access_claims(refreshed["access_token"])["sub"]
        assert renewed["auth_time"] == claims["auth_time"]
        # OpenID Connect Core 12.2: a refreshed id_token should not carry a nonce
        assert "nonce" not in renewed
        assert_userinfo(service.url, refreshed["access_token"], claims["sub"])
        assert refused_refresh(oauth, token_endpoint, token["refresh_token"]).error == "invalid_grant"


def test_authlib_walks_the_code_flow_and_pyjwt_verifies_the_id_tokens_from_the_jwks(
    provider: Provider,
) -> None:
    check_code_flow(provider, provider.confidential, auth_method="client_secret_basic")
    # alice allowed the app a moment ago: a new sign-in goes straight back to it
    check_code_flow(
        provider, provider.confidential, auth_method="client_secret_post", consent_remembered=True
    )
    # a native app: no secret, and a loopback redirect URI on another port than the registered one
    check_code_flow(provider, provider.public, auth_method="none", redirect_uri=NATIVE_REDIRECT_URI)


# --- scale-out: the code issued by one process, redeemed at another on the same database ---


def test_a_code_issued_by_one_service_is_redeemed_at_another_on_the_same_database(
    tmp_path: Path, fresh_database_url: str
) -> None:
    app = register_app(tmp_path, fresh_database_url, env=BASE_ENV)
    # B as on another machine: a data folder of its own; the database and SECRET_KEY shared, and A's URL as
    # the PUBLIC_URL (the issuer) of both
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with (
        running_service(tmp_path, fresh_database_url, at_its_own_url(), extra_env=BASE_ENV) as a,
        running_service(elsewhere, fresh_database_url, extra_env={**BASE_ENV, "PUBLIC_URL": a.url}) as b,
        oauth_client(app) as oauth,
        httpx.Client(base_url=a.url, timeout=30) as browser,
    ):
        sign_up(a.url)
        url, state, nonce, verifier = authorization_url(oauth, f"{a.url}/authorize")
        answer = allow(browser, browser.get(sign_in(browser, url)))
        location = back_to_app(answer, issuer=a.url, redirect_uri=REDIRECT_URI)
        token = dict(
            oauth.fetch_token(
                f"{b.url}/token", authorization_response=location, code_verifier=verifier, state=state
            )
        )
        # B signed the id_token; the app may fetch the JWKS from A (whichever instance answers it)
        claims = verified_id_token(
            token["id_token"],
            jwks_uri=f"{a.url}/.well-known/jwks.json",
            client_id=app.client_id,
            issuer=a.url,
            access_token=token["access_token"],
        )
        assert claims["nonce"] == nonce
        assert claims["sub"] == access_claims(token["access_token"])["sub"]
        assert_userinfo(a.url, token["access_token"], claims["sub"])

        # refreshed at A, verified from B's JWKS; the old refresh token refused at B
        refreshed = dict(oauth.refresh_token(f"{a.url}/token", refresh_token=token["refresh_token"]))
        renewed = verified_id_token(
            refreshed["id_token"],
            jwks_uri=f"{b.url}/.well-known/jwks.json",
            client_id=app.client_id,
            issuer=a.url,
            access_token=refreshed["access_token"],
        )
        assert (renewed["sub"], renewed["auth_time"]) == (claims["sub"], claims["auth_time"])
        assert_userinfo(b.url, refreshed["access_token"], claims["sub"])
        assert refused_refresh(oauth, f"{b.url}/token", token["refresh_token"]).error == "invalid_grant"

        # the consent is remembered: a code at once from A, redeemed at B, then presented again at A ...
        url, state, _, verifier = authorization_url(oauth, f"{a.url}/authorize")
        location = back_to_app(browser.get(url), issuer=a.url, redirect_uri=REDIRECT_URI)
        second = dict(
            oauth.fetch_token(
                f"{b.url}/token", authorization_response=location, code_verifier=verifier, state=state
            )
        )
        assert_userinfo(a.url, second["access_token"], claims["sub"])
        with pytest.raises(OAuthError) as replayed:
            oauth.fetch_token(
                f"{a.url}/token", authorization_response=location, code_verifier=verifier, state=state
            )
        assert replayed.value.error == "invalid_grant"
        # ... which revoked what B gave for it, at both
        for service in (a, b):
            for how in ("header", "form"):
                response = userinfo(service.url, second["access_token"], how)
                assert response.status_code == 401, (service.url, how, response.text)
                assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert refused_refresh(oauth, f"{a.url}/token", second["refresh_token"]).error == "invalid_grant"
    for service in (a, b):
        assert "Traceback" not in service.output, service.output


# --- scale-out: two workers of one `python run.py --workers 2` ---


def answered(folder: Path, route: str) -> dict[int, float]:
    """The `GET route` requests each live worker has answered, by pid, read from its own counter file."""
    counts = {}
    for counter_file in folder.glob("counter_*.db"):
        pid = int(counter_file.stem.removeprefix("counter_"))
        if alive(pid):  # uvicorn replaces a worker that misses its health check
            metrics = MultiProcessCollector.merge([str(counter_file)])  # type: ignore[no-untyped-call]
            counts[pid] = sum(
                sample.value
                for metric in metrics
                for sample in metric.samples
                if sample.name == "http_requests_total"
                and (sample.labels["method"], sample.labels["route"]) == ("GET", route)
            )
    return counts


@dataclass
class Connection:
    """An event hook noting the local address of the connection each answer came on: a connection is
    accepted by one worker, which answers everything sent on it."""

    addresses: set[tuple[str, int]] = field(default_factory=set)

    def note(self, response: httpx.Response) -> None:
        self.addresses.add(response.extensions["network_stream"].get_extra_info("client_addr"))

    def worker(self, folder: Path, get_health: Callable[[], httpx.Response]) -> int:
        """The worker of this connection: the one whose count of /healthz answers `get_health()` moves.
        (/healthz, not the request of interest: a 302's empty body can be counted after the client has read
        the answer, while a body is counted before its last byte leaves.)"""
        before = answered(folder, "/healthz")
        assert get_health().status_code == 200
        after = answered(folder, "/healthz")
        moved = [pid for pid, count in after.items() if count != before.get(pid, 0.0)]
        assert len(moved) == 1, f"one worker should have counted the request: {before} -> {after}"
        return moved[0]

    def kept(self) -> bool:
        """Whether every answer came on one connection (so from the worker that answered /healthz)."""
        return len(self.addresses) == 1


def new_connection(url: str, connection: Connection, cookies: httpx.Cookies | None = None) -> httpx.Client:
    """A client (a browser, with its cookies) on a new connection: a kept-alive one stays with one worker."""
    return httpx.Client(
        base_url=url, cookies=cookies, timeout=30, event_hooks={"response": [connection.note]}
    )


def test_two_workers_publish_and_redeem_what_the_other_issued(
    tmp_path: Path, fresh_database_url: str
) -> None:
    # with METRICS_TOKEN each worker counts its answers in a file of its own under data/metrics, which tells
    # which worker answered a request
    env = {**BASE_ENV, "METRICS_TOKEN": TOKEN}
    metrics_folder = tmp_path / "data" / "metrics"
    app = register_app(tmp_path, fresh_database_url, env=env)
    command = at_its_own_url("--workers", str(WORKERS))
    with running_service(tmp_path, fresh_database_url, command, extra_env=env) as service:
        sign_up(service.url)
        token_endpoint = f"{service.url}/token"
        jwks_uri = f"{service.url}/.well-known/jwks.json"
        with httpx.Client(base_url=service.url, timeout=30) as browser:
            first = authorize(service, app, browser).token
            cookies = browser.cookies

        # the first id_token's key (made for it: under HS256 there was none before) is published by every
        # worker at once, not only by the one that signed with it
        kid = jwt.get_unverified_header(first["id_token"])["kid"]
        published: dict[int, list[str]] = {}  # the kids each worker published when first asked
        asked = 0
        while len([pid for pid in published if alive(pid)]) < WORKERS:
            assert asked < MAX_ROUNDS, f"{asked} requests, answered by {sorted(published)}"
            asked += 1
            connection = Connection()
            with new_connection(service.url, connection) as client:
                worker = connection.worker(metrics_folder, partial(client.get, "/healthz"))
                keys = client.get("/.well-known/jwks.json").json()["keys"]
            assert connection.kept()
            published.setdefault(worker, [key["kid"] for key in keys])
        assert all(kid in kids for kids in published.values()), (kid, published)

        # signed in, the app allowed: each authorization now answers a code at once
        redeemed: set[tuple[int, int]] = set()  # (the worker that issued a code, the one that redeemed it)
        rounds = 0
        while len({(issuer, redeemer) for issuer, redeemer in redeemed if issuer != redeemer}) < WORKERS:
            assert rounds < MAX_ROUNDS, f"{rounds} codes, (issued by, redeemed by): {sorted(redeemed)}"
            rounds += 1
            at_browser, at_app = Connection(), Connection()
            with oauth_client(app, event_hooks={"response": [at_app.note]}) as oauth:
                url, state, nonce, verifier = authorization_url(oauth, f"{service.url}/authorize")
                with new_connection(service.url, at_browser, cookies) as browser:
                    issuer = at_browser.worker(metrics_folder, partial(browser.get, "/healthz"))
                    location = back_to_app(browser.get(url), issuer=service.url, redirect_uri=REDIRECT_URI)
                health = partial(oauth.request, "GET", f"{service.url}/healthz", withhold_token=True)
                redeemer = at_app.worker(metrics_folder, health)
                token = oauth.fetch_token(
                    token_endpoint, authorization_response=location, code_verifier=verifier, state=state
                )
            assert at_browser.kept() and at_app.kept()
            claims = verified_id_token(
                token["id_token"],
                jwks_uri=jwks_uri,
                client_id=app.client_id,
                issuer=service.url,
                access_token=token["access_token"],
            )
            assert claims["nonce"] == nonce
            redeemed.add((issuer, redeemer))
    assert "Traceback" not in service.output, service.output
