"""Two instances of the service: one as the identity provider (on 127.0.0.1), the other, under test, as its
client (on localhost, so the two cookies never mix), and a browser walking between them over real HTTP."""

import asyncio
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx

from .clients import output_field
from .conftest import ON_POSTGRES, PASSWORD, TEST_DATABASE_URL, _postgres_admin_now
from .live import RUN_PY, Service, run_py, running_service

PROVIDER = "company"


@dataclass
class Pair:
    """The provider and the service under test, and where each keeps its data."""

    idp: Service
    idp_db: str
    idp_cwd: Path
    service: Service
    service_db: str
    service_cwd: Path
    client_id: str


def at(host: str, *options: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """`python run.py` whose PUBLIC_URL is http://HOST:PORT, the address it is reached at."""

    def command(port: int) -> list[str]:
        extra = [f"{name}={value}" for name, value in (env or {}).items()]
        return [
            "env",
            f"PUBLIC_URL=http://{host}:{port}",
            "COOKIE_SECURE=false",
            *extra,
            sys.executable,
            RUN_PY,
            *options,
            "--port",
            str(port),
        ]

    return command


@contextmanager
def second_database(tmp_path: Path, label: str = "idp") -> Iterator[str]:
    """Another fresh database of the backend under test (for the provider, or a module's own service)."""
    if not ON_POSTGRES:
        yield f"sqlite://{tmp_path}/{label}-db/{label}.sqlite3"
        return
    name = f"auth_{label}_{uuid.uuid4().hex[:12]}"
    _postgres_admin_now(f'CREATE DATABASE "{name}"')
    try:
        yield TEST_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _postgres_admin_now(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def provider_and_service(
    tmp_path: Path, service_db: str, *, link_verified_email: bool = False, trusted: bool = True
) -> Iterator[Pair]:
    """The provider with alice (alice@example.com) and the service with the provider added as `company`."""
    idp_cwd, service_cwd = tmp_path / "idp", tmp_path / "service"
    idp_cwd.mkdir()
    service_cwd.mkdir()
    with (
        second_database(tmp_path) as idp_db,
        running_service(idp_cwd, idp_db, at("127.0.0.1")) as idp,
        running_service(service_cwd, service_db, at("localhost")) as service,
    ):
        service = Service(url=service.url.replace("127.0.0.1", "localhost"), log_file=service.log_file)
        pair = Pair(idp, idp_db, idp_cwd, service, service_db, service_cwd, "")
        pair.client_id = connect(
            pair, PROVIDER, "Company", trusted=trusted, link_verified_email=link_verified_email
        )
        response = httpx.post(
            f"{idp.url}/register",
            json={
                "username": "alice",
                "password": PASSWORD,
                "email": "alice@example.com",
                "full_name": "Alice",
            },
            timeout=30,
        )
        assert response.status_code == 201, response.text
        yield pair


def connect(pair: Pair, name: str, display_name: str, *, trusted: bool, link_verified_email: bool) -> str:
    """Register the service as a client at the provider, and add the provider to the service as `name`;
    the client id."""
    service_url = pair.service.url
    made = run_py(
        pair.idp_cwd,
        pair.idp_db,
        "create-client",
        f"Service under test ({name})",
        "--grant",
        "authorization_code",
        "--redirect-uri",
        f"{service_url}/login/{name}/callback",
        *(["--trusted"] if trusted else []),
    )
    assert made.returncode == 0, made.stderr
    client_id = output_field(made.stdout, "client_id")
    added = run_py(
        pair.service_cwd,
        pair.service_db,
        "add-provider",
        name,
        "--issuer",
        pair.idp.url,
        f"--client-id={client_id}",
        "--display-name",
        display_name,
        *(["--link-verified-email"] if link_verified_email else []),
        stdin=output_field(made.stdout, "client_secret") + "\n",
        extra_env={"PUBLIC_URL": service_url},
    )
    assert added.returncode == 0, added.stderr
    assert f"{service_url}/login/{name}/callback" in added.stdout
    return client_id


def sql(database_url: str, statement: str) -> None:
    """Run one statement in a service's database (what an operator or another request would change)."""
    if database_url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite://")) as connection:
            connection.execute(statement)
        return

    async def run() -> None:
        connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def query_of(url: str) -> dict[str, str]:
    """A URL's query, one value a name."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def hidden(page: str, name: str) -> str:
    """The value of a page's hidden input."""
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page)
    assert match is not None, page
    return unescape(match.group(1))


def start(
    browser: httpx.Client, service: str, next_path: str = "/", *, provider: str = PROVIDER
) -> httpx.Response:
    """Press "Sign in with …" on the service's login page: the redirect to the provider."""
    page = browser.get(f"{service}/login")
    assert page.status_code == 200 and f'action="/login/{provider}"' in page.text, page.text
    button = page.text.split(f'action="/login/{provider}"', 1)[1]
    return browser.post(
        f"{service}/login/{provider}",
        data={"csrf_token": hidden(button, "csrf_token"), "next": next_path},
        headers={"Origin": service},
    )


def provider_login(
    browser: httpx.Client, idp: str, authorize_url: str, *, username: str = "alice"
) -> httpx.Response:
    """At the provider: sent to its login page, sign in, and come back to its /authorize: its answer."""
    first = browser.get(authorize_url)
    assert first.status_code == 302, first.text
    target = query_of(first.headers["location"])["next"]
    form = {"grant_type": "password", "username": username, "password": PASSWORD, "next": target}
    signed_in = browser.post(f"{idp}/token", data=form, headers={"Accept": "text/html", "Origin": idp})
    assert signed_in.status_code == 303, signed_in.text
    return browser.get(f"{idp}{signed_in.headers['location']}")


def sign_in(
    browser: httpx.Client,
    pair: Pair,
    next_path: str = "/",
    *,
    provider: str = PROVIDER,
    username: str = "alice",
) -> httpx.Response:
    """The whole way: the service's button, the provider's login, and the service's callback's answer."""
    started = start(browser, pair.service.url, next_path, provider=provider)
    assert started.status_code == 302, started.text
    if browser.cookies.get("auth_token", domain="127.0.0.1"):
        back = browser.get(started.headers["location"])
    else:
        back = provider_login(browser, pair.idp.url, started.headers["location"], username=username)
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith(f"{pair.service.url}/login/{provider}/callback?")
    return browser.get(back.headers["location"])


def sign_out(browser: httpx.Client) -> None:
    """Forget the service's auth cookie (Python's cookie jar files `localhost` under `localhost.local`)."""
    browser.cookies.delete("auth_token", domain="localhost.local")


def me(browser: httpx.Client, service: str) -> httpx.Response:
    """`GET /user/me` with the service's auth cookie."""
    return browser.get(f"{service}/user/me")
