"""Signing in with an independent, OpenID Certified provider: panva's oidc-provider with its default settings
(e-mail and profile from userinfo only, as OpenID Connect Core 5.4 says), and again configured to put them in
the id_token too. The service under test runs in-process; the provider is a real HTTP server on loopback."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from api.db.models import Identity, User

from .conftest import PASSWORD, bearer, direct_writes, login, make_settings, register, serve
from .peer_provider import CLIENTS, Peer, running_peer, sign_in_there
from .social import hidden

SERVICE = "http://localhost"
NAME = "peer"


@pytest.fixture(scope="module", params=["userinfo only", "id_token too"])
def peer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    """The certified provider, with the claims in userinfo only (its default), or in the id_token as well."""
    folder = tmp_path_factory.mktemp("peer")
    with running_peer(
        folder,
        redirect_uris=[f"{SERVICE}/login/{NAME}/callback"],
        id_token_claims=request.param == "id_token too",
    ) as running:
        yield running


@dataclass
class World:
    """The service under test with the provider added, a browser for each side, and someone new each test."""

    service: httpx.AsyncClient
    there: httpx.AsyncClient
    peer: Peer
    tag: str

    async def start(self, *, link: bool = False) -> httpx.Response:
        """Press the provider's button: on the login page, or (`link`) on the account page."""
        page = await self.service.get("/account" if link else "/login")
        assert page.status_code == 200, page.text
        button = page.text.split(f'action="/login/{NAME}"', 1)[1]
        form = {"csrf_token": hidden(button, "csrf_token"), "next": "/account" if link else "/"}
        form |= {"link": "true"} if link else {}
        return await self.service.post(f"/login/{NAME}", data=form, headers={"Origin": SERVICE})

    async def sign_in(self, login: str, *, link: bool = False) -> httpx.Response:
        """The whole way: the button, the provider's sign-in and consent, and the callback's answer."""
        started = await self.start(link=link)
        assert started.status_code == 302, started.text
        back = await sign_in_there(self.there, started.headers["location"], login=login, back_to=SERVICE)
        return await self.service.get(back)

    async def password_login(self, username: str) -> None:
        """Sign in to the service with a password, as the login page does: the auth cookie."""
        form = {"grant_type": "password", "username": username, "password": PASSWORD, "next": "/"}
        done = await self.service.post(
            "/token", data=form, headers={"Accept": "text/html", "Origin": SERVICE}
        )
        assert done.status_code == 303, done.text


@asynccontextmanager
async def world_of(
    tmp_path: Path, peer: Peer, *, client_id: str = "service-under-test", **settings: Any
) -> AsyncIterator[World]:
    """The service (with `settings`) and the provider added to it as `client_id`, linking verified
    addresses."""
    configured = make_settings(tmp_path, public_url=SERVICE, cookie_secure=False, **settings)
    async with (
        serve(configured, base_url=SERVICE) as (_, service),
        httpx.AsyncClient(timeout=30, follow_redirects=False) as there,
    ):
        provider = {
            "name": NAME,
            "display_name": "Peer",
            "issuer": peer.url,
            "client_id": client_id,
            "client_secret": CLIENTS[client_id],
            "link_verified_email": True,
        }
        # the administrator has a verified address: REQUIRE_VERIFIED_EMAIL may be on
        assert (await register(service, "root", email="root@example.com")).status_code == 201
        async with direct_writes(service):
            await User.filter(username="root").update(is_admin=True, email_verified=True)
        headers = bearer((await login(service, "root")).json()["access_token"])
        added = await service.post("/identity-providers", json=provider, headers=headers)
        assert added.status_code == 201, added.text
        yield World(service=service, there=there, peer=peer, tag=uuid4().hex[:8])


@pytest.fixture
async def world(tmp_path: Path, peer: Peer) -> AsyncIterator[World]:
    async with world_of(tmp_path, peer) as made:
        yield made


async def _accounts() -> int:
    return await User.exclude(username="root").count()


async def test_a_new_account_takes_the_address_and_username_the_provider_gives(world: World) -> None:
    address = f"New-{world.tag}@Example.COM"
    world.peer.add(
        f"acct-{world.tag}",
        email=address,
        email_verified=True,
        name="Nia",
        preferred_username=f"nia-{world.tag}",
    )
    signed_in = await world.sign_in(f"acct-{world.tag}")
    assert signed_in.status_code == 303, signed_in.text
    me = (await world.service.get("/user/me")).json()
    assert (me["username"], me["email"], me["email_verified"], me["full_name"]) == (
        f"nia-{world.tag}",
        f"new-{world.tag}@example.com",
        True,
        "Nia",
    )


async def test_a_client_secret_with_a_colon_a_percent_and_a_space_is_form_urlencoded_for_basic(
    tmp_path: Path, peer: Peer
) -> None:
    async with world_of(tmp_path, peer, client_id="service-with-odd-secret") as world:
        world.peer.add(f"acct-{world.tag}", email=f"b-{world.tag}@example.com", email_verified=True)
        signed_in = await world.sign_in(f"acct-{world.tag}")
        assert signed_in.status_code == 303, signed_in.text
        assert (await world.service.get("/user/me")).json()["email"] == f"b-{world.tag}@example.com"


async def test_a_verified_upper_case_address_links_to_the_local_lower_case_account(world: World) -> None:
    local = f"lo{world.tag}"
    assert (await register(world.service, local, email=f"{local}@mail.example.com")).status_code == 201
    async with direct_writes(world.service):
        await User.filter(username=local).update(email_verified=True)
    world.peer.add(f"acct-{world.tag}", email=f"{local.upper()}@MAIL.EXAMPLE.COM", email_verified=True)
    signed_in = await world.sign_in(f"acct-{world.tag}")
    assert signed_in.status_code == 303, signed_in.text
    assert (await world.service.get("/user/me")).json()["username"] == local
    assert await _accounts() == 1
    assert await Identity.filter(user__username=local, subject=f"acct-{world.tag}").exists()


async def test_an_address_register_would_refuse_is_treated_as_absent(world: World) -> None:
    world.peer.add(
        f"acct-{world.tag}", email="not an address@", email_verified=True, preferred_username="odd"
    )
    signed_in = await world.sign_in(f"acct-{world.tag}")
    assert signed_in.status_code == 303, signed_in.text
    me = (await world.service.get("/user/me")).json()
    assert (me["email"], me["email_verified"]) == (None, False)


async def test_userinfo_about_another_subject_fails_the_sign_in_and_makes_no_account(world: World) -> None:
    world.peer.add(
        f"acct-{world.tag}", email="x@example.com", email_verified=True, userinfo_sub="someone-else"
    )
    refused = await world.sign_in(f"acct-{world.tag}")
    assert refused.status_code == 400 and "does not check out" in refused.text
    assert await _accounts() == 0


async def test_require_verified_email_refuses_an_address_the_provider_did_not_verify(
    tmp_path: Path, peer: Peer
) -> None:
    async with world_of(tmp_path, peer, require_verified_email=True) as world:
        world.peer.add(f"acct-{world.tag}", email=f"u-{world.tag}@example.com", email_verified=False)
        refused = await world.sign_in(f"acct-{world.tag}")
        assert refused.status_code == 400 and "verified" in refused.text
        assert await _accounts() == 0
        world.there.cookies.clear()  # signed out at the provider: someone else signs in there
        world.peer.add(f"ok-{world.tag}", email=f"v-{world.tag}@example.com", email_verified=True)
        assert (await world.sign_in(f"ok-{world.tag}")).status_code == 303


async def test_require_verified_email_keeps_out_a_linked_account_whose_address_is_unverified(
    tmp_path: Path, peer: Peer
) -> None:
    async with world_of(tmp_path, peer, require_verified_email=True) as world:
        world.peer.add(f"acct-{world.tag}", email=f"v-{world.tag}@example.com", email_verified=True)
        assert (await world.sign_in(f"acct-{world.tag}")).status_code == 303
        async with direct_writes(world.service):
            await User.filter(email=f"v-{world.tag}@example.com").update(email_verified=False)
        world.service.cookies.clear()
        refused = await world.sign_in(f"acct-{world.tag}")
        assert refused.status_code == 400 and "Email not verified" in refused.text
        assert "auth_token" not in refused.cookies


async def test_a_link_finishes_only_for_the_user_who_started_it(world: World) -> None:
    for name in (f"ann{world.tag}", f"bob{world.tag}"):
        assert (await register(world.service, name)).status_code == 201
    await world.password_login(f"ann{world.tag}")
    started = await world.start(link=True)
    assert started.status_code == 302, started.text
    world.peer.add(f"acct-{world.tag}", email=f"a-{world.tag}@example.com", email_verified=True)
    back = await sign_in_there(
        world.there, started.headers["location"], login=f"acct-{world.tag}", back_to=SERVICE
    )
    await world.password_login(f"bob{world.tag}")  # someone else signs in on this browser meanwhile
    refused = await world.service.get(back)
    assert refused.status_code == 400 and "asked for this link" in refused.text
    assert not await Identity.exists()


async def test_a_user_deleted_during_a_link_gets_a_page_not_a_server_error(world: World) -> None:
    assert (await register(world.service, f"ann{world.tag}")).status_code == 201
    await world.password_login(f"ann{world.tag}")
    started = await world.start(link=True)
    world.peer.add(f"acct-{world.tag}", email=f"a-{world.tag}@example.com", email_verified=True)
    back = await sign_in_there(
        world.there, started.headers["location"], login=f"acct-{world.tag}", back_to=SERVICE
    )
    async with direct_writes(world.service):
        await User.filter(username=f"ann{world.tag}").delete()
    refused = await world.service.get(back)
    assert refused.status_code == 400, refused.text
    assert not await Identity.exists()
