"""The console's audit, apps, identity providers and keys pages over HTTP, as a browser's forms send them."""

import re
from pathlib import Path

from api.db.models import IdentityProvider, Invitation, OAuthClient, SigningKey

from .console import admin_browser, events, page, submit, user_id
from .test_identity_providers import _document, _url, issuer  # noqa: F401


async def test_the_audit_page_shows_events_with_their_actor_and_links_the_json(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice, root = await user_id("alice"), await user_id("root")
        assert (await submit(client, f"/admin/users/{alice}/flags/disable")).status_code == 303
        await events(client, "admin_update")
        html = await page(client, f"/admin/audit?event=admin_update&user_id={alice}")
        assert f'<td class="actor"><a href="/admin/users/{root}">root</a></td>' in html
        assert f'href="/audit-events?user_id={alice}&amp;event=admin_update&amp;limit=25"' in html
        assert "login" not in re.findall(r"<td>([a-z_]+)(?: <span|</td>)", html)


async def test_the_audit_page_goes_a_page_at_a_time_by_cursor(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        for _ in range(15):
            assert (await submit(client, f"/admin/users/{alice}/flags/disable")).status_code == 303
            assert (await submit(client, f"/admin/users/{alice}/flags/enable")).status_code == 303
        await events(client, "admin_update")
        first = await page(client, "/admin/audit?event=admin_update")
        assert first.count("<tr>") == 26
        following = re.search(r'href="(/admin/audit\?event=admin_update&amp;cursor=[^"]+)" rel="next"', first)
        assert following is not None
        second = await page(client, following.group(1).replace("&amp;", "&"))
        assert second.count("<tr>") == 6 and 'rel="next"' not in second


async def test_a_filter_that_is_not_one_is_a_message_on_the_page(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        assert "A user id is a number" in await page(client, "/admin/audit?user_id=abc", 422)
        assert 'role="alert"' in await page(client, "/admin/audit?cursor=nonsense", 422)


async def test_an_app_registered_from_the_console_shows_its_secret_once(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        made = await submit(
            client,
            "/admin/apps/new",
            name="Billing",
            grant_types="client_credentials",
            scope="profile",
            confidential="on",
        )
        assert made.status_code == 200, made.text
        secret = re.search(r'<code class="once" id="client-secret">([^<]+)</code>', made.text)
        assert secret is not None
        app = await OAuthClient.get(name="Billing")
        assert app.confidential and app.secret_hash is not None
        assert secret.group(1) not in await page(client, f"/admin/apps/{app.client_id}")
        assert "Billing" in await page(client, "/admin/apps")
        [recorded] = await events(client, "client_admin")
        assert (recorded.outcome, recorded.actor_id) == ("created", await user_id("root"))


async def test_an_app_form_that_is_refused_comes_back_with_the_reason(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        refused = await submit(client, "/admin/apps/new", name="Nothing")
        assert (
            refused.status_code == 422
            and 'role="alert"' in refused.text
            and 'value="Nothing"' in refused.text
        )
        assert not await OAuthClient.exists(name="Nothing")


async def test_an_app_is_edited_given_a_new_secret_and_deleted_after_confirmation(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        await submit(
            client, "/admin/apps/new", name="Billing", grant_types="client_credentials", confidential="on"
        )
        app = await OAuthClient.get(name="Billing")
        path = f"/admin/apps/{app.client_id}"
        saved = await submit(
            client,
            path,
            name="Invoices",
            grant_types="client_credentials",
            trusted="on",
            backchannel_logout_uri="https://invoices.example/logout",
        )
        assert (saved.status_code, saved.headers["location"]) == (303, f"{path}?done=saved")
        changed = await OAuthClient.get(client_id=app.client_id)
        assert changed.name == "Invoices" and changed.trusted
        assert changed.backchannel_logout_uri == "https://invoices.example/logout"
        assert not changed.backchannel_logout_session_required  # its box was left unticked
        refused = await submit(
            client, path, name="Invoices", backchannel_logout_uri="http://invoices.example/logout"
        )
        assert refused.status_code == 422 and "backchannel_logout_uri" in refused.text
        asked = await submit(client, f"{path}/secret")
        assert asked.status_code == 200 and "client-secret" not in asked.text
        renewed = await submit(client, f"{path}/secret", confirm="yes")
        assert 'id="client-secret"' in renewed.text
        assert (await OAuthClient.get(client_id=app.client_id)).secret_hash != changed.secret_hash
        assert (await submit(client, f"{path}/delete")).status_code == 200
        assert await OAuthClient.exists(client_id=app.client_id)
        assert (await submit(client, f"{path}/delete", confirm="yes")).status_code == 303
        assert not await OAuthClient.exists(client_id=app.client_id)


async def test_the_keys_page_lists_them_and_rotates_after_confirmation(tmp_path: Path) -> None:
    async with admin_browser(tmp_path, jwt_algorithm="RS256") as (_, client):
        before = await SigningKey.all().count()
        html = await page(client, "/admin/keys")
        key = await SigningKey.first()
        assert key is not None and key.kid in html and "current" in html
        assert key.sealed_private_key not in html and '"d":' not in html
        assert (await submit(client, "/admin/keys/rotate")).status_code == 200
        assert (await submit(client, "/admin/keys/rotate", confirm="yes")).status_code == 303
        assert await SigningKey.all().count() == before + 1
        assert "retired" in await page(client, "/admin/keys")
        [recorded] = await events(client, "key_rotation")
        assert recorded.actor_id == await user_id("root")


async def test_a_provider_is_added_its_flags_changed_and_removed(tmp_path: Path, issuer) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer.document = _document(_url(issuer))
    async with admin_browser(tmp_path, allow_http_providers=True) as (_, client):
        form = {"name": "company", "display_name": "Company", "issuer": _url(issuer), "client_id": "c1"}
        added = await submit(
            client, "/admin/identity-providers", **form, client_secret="s3cret", create_accounts="on"
        )
        assert added.status_code == 303, added.text
        html = await page(client, "/admin/identity-providers")
        assert "Company" in html and "s3cret" not in html
        assert (
            await submit(client, "/admin/identity-providers/company/flags", link_verified_email="on")
        ).status_code == 303
        provider = await IdentityProvider.get(name="company")
        assert provider.link_verified_email and not provider.create_accounts
        assert (await submit(client, "/admin/identity-providers/company/delete")).status_code == 200
        assert (
            await submit(client, "/admin/identity-providers/company/delete", confirm="yes")
        ).status_code == 303
        assert not await IdentityProvider.exists(name="company")
        outcomes = [event.outcome for event in await events(client, "client_admin")]
        assert outcomes == ["provider_added", "provider_updated", "provider_removed"]


async def test_a_provider_whose_discovery_fails_is_a_message(tmp_path: Path, issuer) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer.document = b"{}"
    async with admin_browser(tmp_path, allow_http_providers=True) as (_, client):
        form = {"name": "company", "display_name": "Company", "issuer": _url(issuer), "client_id": "c1"}
        refused = await submit(client, "/admin/identity-providers", **form)
        assert refused.status_code >= 400 and 'role="alert"' in refused.text
        assert not await IdentityProvider.exists(name="company")


async def test_an_invitation_is_sent_listed_and_revoked_after_confirmation(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        sent = await submit(client, "/admin/invitations", email="carol@example.com", is_admin="on")
        assert (sent.status_code, sent.headers["location"]) == (303, "/admin/invitations?done=sent")
        html = await page(client, "/admin/invitations?done=sent")
        assert "Invitation sent." in html and "carol@example.com" in html
        invitation = await Invitation.get(email="carol@example.com")
        assert invitation.is_admin and invitation.token_hash not in html
        again = await submit(client, "/admin/invitations", email="carol@example.com")
        assert again.status_code == 409 and 'role="alert"' in again.text
        assert (await submit(client, f"/admin/invitations/{invitation.id}/revoke")).status_code == 200
        assert (
            await submit(client, f"/admin/invitations/{invitation.id}/revoke", confirm="yes")
        ).status_code == 303
        assert "carol@example.com" not in await page(client, "/admin/invitations")
        root = await user_id("root")
        assert [event.actor_id for event in await events(client, "invitation_sent")] == [root]
        assert [event.actor_id for event in await events(client, "invitation_revoked")] == [root]


async def test_roles_and_groups_are_made_granted_and_deleted_with_the_actor(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice, root = await user_id("alice"), await user_id("root")
        assert (
            await submit(client, "/admin/roles", name="billing", description="Invoices")
        ).status_code == 303
        assert "Invoices" in await page(client, "/admin/roles")
        assert (await submit(client, f"/admin/users/{alice}/roles", role="billing")).status_code == 303
        assert "granted directly" in await page(client, f"/admin/users/{alice}")
        made = await submit(client, "/admin/groups", name="support", role_names="billing")
        assert (made.status_code, made.headers["location"]) == (303, "/admin/groups/support?done=saved")
        assert (await submit(client, "/admin/groups/support/members", username="ALICE")).status_code == 303
        assert f'href="/admin/users/{alice}"' in await page(client, "/admin/groups/support")
        missing = await submit(client, "/admin/groups/support/members", username="nobody")
        assert missing.status_code == 404 and 'role="alert"' in missing.text
        assert (await submit(client, f"/admin/users/{alice}/roles/billing/revoke")).status_code == 303
        assert (await submit(client, "/admin/groups/support/delete")).status_code == 200
        assert (await submit(client, "/admin/groups/support/delete", confirm="yes")).status_code == 303
        assert (await submit(client, "/admin/roles/billing/delete", confirm="yes")).status_code == 303
        kinds = ["role_created", "role_granted", "group_changed", "role_revoked", "role_deleted"]
        for kind in kinds:
            assert {event.actor_id for event in await events(client, kind)} == {root}, kind


async def test_the_audit_page_filters_on_times_from_the_form(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        await events(client, "login")
        assert "No event." in await page(client, "/admin/audit?until=2000-01-01T00:00")
        assert "No event." not in await page(client, "/admin/audit?since=2000-01-01T00:00")
        assert 'role="alert"' in await page(client, "/admin/audit?since=0001-01-01T00:00", 422)
        json = await client.get("/audit-events?since=2000-01-01T00:00")
        assert json.status_code == 200 and json.json()["items"]
