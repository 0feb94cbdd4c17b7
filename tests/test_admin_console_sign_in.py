"""The console's actions on a user's ways of signing in: two-factor, passkeys, identities and apps."""

import uuid
from pathlib import Path

from tortoise.timezone import now

from api.db.models import Consent, Identity, IdentityProvider, OAuthClient, Passkey, User

from .conftest import direct_writes
from .console import admin_browser, events, page, submit, user_id
from .forms import BROWSER


async def test_turning_two_factor_off_asks_first_and_records_the_actor(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        async with direct_writes(client):
            await User.filter(id=alice).update(mfa_enabled=True)
        assert "Turn two-factor off" in await page(client, f"/admin/users/{alice}")
        asked = await submit(client, f"/admin/users/{alice}/mfa/off")
        assert asked.status_code == 200 and (await User.get(id=alice)).mfa_enabled
        assert (await submit(client, f"/admin/users/{alice}/mfa/off", confirm="yes")).status_code == 303
        assert not (await User.get(id=alice)).mfa_enabled
        [recorded] = await events(client, "mfa_disabled")
        assert (recorded.user_id, recorded.actor_id) == (alice, await user_id("root"))


async def test_a_passkey_of_a_user_is_removed(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        async with direct_writes(client):
            passkey = await Passkey.create(
                id=uuid.uuid4(),
                user_id=alice,
                credential_id="c1",
                public_key="k",
                name="Phone",
                created_at=now(),
            )
        assert "Phone" in await page(client, f"/admin/users/{alice}")
        response = await submit(client, f"/admin/users/{alice}/passkeys/{passkey.id}/remove")
        assert response.status_code == 303 and not await Passkey.exists(id=passkey.id)
        gone = await submit(client, f"/admin/users/{alice}/passkeys/{passkey.id}/remove")
        assert gone.status_code == 404 and 'role="alert"' in gone.text


async def test_an_identity_is_unlinked_unless_it_is_the_last_way_in(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        async with direct_writes(client):
            await IdentityProvider.create(
                name="corp",
                display_name="Corp",
                issuer="https://corp.example",
                client_id="c",
                scopes="openid",
                created_at=now(),
            )
            await Identity.create(
                provider_id="corp",
                issuer="https://corp.example",
                subject="s1",
                user_id=alice,
                linked_at=now(),
            )
        assert "Corp" in await page(client, f"/admin/users/{alice}")
        assert (await submit(client, f"/admin/users/{alice}/identities/corp/unlink")).status_code == 303
        assert not await Identity.exists(user_id=alice)
        [recorded] = await events(client, "identity_unlinked")
        assert recorded.actor_id == await user_id("root")


async def test_an_apps_access_is_revoked_after_confirmation(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        async with direct_writes(client):
            await OAuthClient.create(
                client_id="app1",
                name="Notes",
                grant_types="authorization_code",
                scopes="openid",
                redirect_uris=["https://notes.example/cb"],
                created_at=now(),
            )
            await Consent.create(user_id=alice, client_id="app1", scope="openid", granted_at=now())
        assert "Notes" in await page(client, f"/admin/users/{alice}")
        assert (await submit(client, f"/admin/users/{alice}/apps/app1/revoke")).status_code == 200
        assert await Consent.exists(user_id=alice)
        assert (
            await submit(client, f"/admin/users/{alice}/apps/app1/revoke", confirm="yes")
        ).status_code == 303
        assert not await Consent.exists(user_id=alice)
        [recorded] = await events(client, "consent_revoked")
        assert (recorded.client_id, recorded.actor_id) == ("app1", await user_id("root"))


async def test_an_anonymous_form_goes_to_the_login_page(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        client.cookies.clear()
        response = await client.post(f"/admin/users/{await user_id('alice')}/flags/disable", headers=BROWSER)
        assert (response.status_code, response.headers["location"]) == (303, "/login?next=/admin")
        assert not (await User.get(username_key="alice")).disabled
