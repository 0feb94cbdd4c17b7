"""The console's frame and its users pages over HTTP, as a browser's forms send them."""

from pathlib import Path

import httpx

from api.db.models import Session, User

from .conftest import direct_writes, make_settings, register
from .console import admin_browser, events, page, shown_usernames, submit, user_id
from .forms import BROWSER, browser_client, browser_login, csrf_of


async def test_anonymous_visitors_go_to_the_login_page_and_back(tmp_path: Path) -> None:
    async with browser_client(make_settings(tmp_path)) as client:
        response = await client.get("/admin/users?q=ali")
        assert response.status_code == 302
        assert response.headers["location"] == "/login?next=/admin/users%3Fq%3Dali"


async def test_a_signed_in_non_administrator_is_refused(tmp_path: Path) -> None:
    async with browser_client(make_settings(tmp_path)) as client:
        assert (await register(client)).status_code == 201
        assert (await browser_login(client)).status_code == 303
        response = await client.get("/admin/users")
        assert response.status_code == 403
        assert "Administrators only" in response.text
        assert (await client.post("/admin/users/1/flags/disable", headers=BROWSER)).status_code == 403


async def test_an_administrator_without_two_factor_is_refused_when_it_is_required(tmp_path: Path) -> None:
    async with admin_browser(tmp_path, mfa_required_for_admins=True) as (_, client):
        response = await client.get("/admin/users")
        assert response.status_code == 403
        assert "must turn on two-factor" in response.text


async def test_the_list_finds_users_by_a_part_of_their_address_whatever_the_case(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        assert shown_usernames(await page(client, "/admin/users")) == ["root", "alice"]
        assert shown_usernames(await page(client, "/admin/users?q=EXAMPLE.c")) == ["alice"]
        assert shown_usernames(await page(client, "/admin/users?q=RO")) == ["root"]
        assert shown_usernames(await page(client, "/admin/users?admins=true")) == ["root"]
        assert shown_usernames(await page(client, "/admin/users?unverified=true")) == ["alice"]
        assert shown_usernames(await page(client, "/admin/users?disabled=true")) == []


async def test_the_list_comes_a_page_at_a_time(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        async with direct_writes(client):
            for number in range(30):
                await User.create(
                    username=f"user{number:02}", username_key=f"user{number:02}", password_hash="x"
                )
        first = await page(client, "/admin/users")
        assert len(shown_usernames(first)) == 25 and 'href="/admin/users?offset=25"' in first
        second = await page(client, "/admin/users?offset=25")
        assert len(shown_usernames(second)) == 7 and 'rel="next"' not in second


async def test_forms_without_the_csrf_token_are_refused(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        response = await client.post(f"/admin/users/{alice}/flags/disable", headers=BROWSER)
        assert response.status_code == 403
        assert not (await User.get(id=alice)).disabled


async def test_disabling_a_user_ends_their_sessions_and_records_the_actor(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice, root = await user_id("alice"), await user_id("root")
        async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver") as other:
            assert (await browser_login(other, "alice")).status_code == 303
        response = await submit(client, f"/admin/users/{alice}/flags/disable")
        assert (response.status_code, response.headers["location"]) == (
            303,
            f"/admin/users/{alice}?done=disabled",
        )
        assert "Disabled: their sessions have ended." in await page(client, response.headers["location"])
        assert (await User.get(id=alice)).disabled
        assert not await Session.filter(user_id=alice, revoked_at=None).exists()
        [recorded] = await events(client, "admin_update")
        assert (recorded.user_id, recorded.actor_id, recorded.details["fields"]) == (
            alice,
            root,
            ["disabled"],
        )


async def test_ending_one_session_of_a_user(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver") as other:
            assert (await browser_login(other, "alice")).status_code == 303
        session = await Session.get(user_id=alice)
        assert f"/sessions/{session.id}/end" in await page(client, f"/admin/users/{alice}")
        response = await submit(client, f"/admin/users/{alice}/sessions/{session.id}/end")
        assert response.status_code == 303
        assert (await Session.get(id=session.id)).revoked_at is not None
        [recorded] = await events(client, "revocation")
        assert recorded.actor_id == await user_id("root")


async def test_the_last_administrator_cannot_remove_themselves_and_is_told_so(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        root = await user_id("root")
        response = await submit(client, f"/admin/users/{root}/flags/remove-admin")
        assert response.status_code == 409
        assert "text/html" in response.headers["content-type"] and 'role="alert"' in response.text
        assert (await User.get(id=root)).is_admin


async def test_flags_and_mails(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        assert (await submit(client, f"/admin/users/{alice}/flags/make-admin")).status_code == 303
        assert (await submit(client, f"/admin/users/{alice}/flags/verify-email")).status_code == 303
        person = await User.get(id=alice)
        assert person.is_admin and person.email_verified
        assert (await submit(client, f"/admin/users/{alice}/flags/remove-admin")).status_code == 303
        assert (await submit(client, f"/admin/users/{alice}/password-reset")).status_code == 303
        [asked] = await events(client, "password_reset_request")
        assert (asked.user_id, asked.actor_id) == (alice, await user_id("root"))
        unknown = await submit(client, f"/admin/users/{alice}/flags/rename")
        assert unknown.status_code == 422 and "text/html" in unknown.headers["content-type"]


async def test_deleting_a_user_asks_for_their_username_first(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        asked = await submit(client, f"/admin/users/{alice}/delete")
        assert asked.status_code == 200 and 'name="confirm_username"' in asked.text
        wrong = await submit(client, f"/admin/users/{alice}/delete", confirm="yes", confirm_username="alicia")
        assert wrong.status_code == 200 and "does not match" in wrong.text
        assert await User.exists(id=alice)
        done = await submit(client, f"/admin/users/{alice}/delete", confirm="yes", confirm_username="alice")
        assert (done.status_code, done.headers["location"]) == (303, "/admin/users?done=deleted")
        assert not await User.exists(id=alice)
        [recorded] = await events(client, "admin_delete")
        assert recorded.actor_id == await user_id("root")


async def test_ending_every_session_asks_first(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        alice = await user_id("alice")
        async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver") as other:
            assert (await browser_login(other, "alice")).status_code == 303
        asked = await submit(client, f"/admin/users/{alice}/sessions/end-all")
        assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
        assert await Session.filter(user_id=alice, revoked_at=None).exists()
        assert (
            await submit(client, f"/admin/users/{alice}/sessions/end-all", confirm="yes")
        ).status_code == 303
        assert not await Session.filter(user_id=alice, revoked_at=None).exists()


async def test_an_unknown_user_is_a_page_saying_so(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        response = await client.get("/admin/users/999")
        assert response.status_code == 404 and "User not found" in response.text
        assert csrf_of(response.text)


async def test_every_form_of_the_user_page_carries_the_csrf_token(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        html = await page(client, f"/admin/users/{await user_id('alice')}")
        token = csrf_of(html)
        forms = html.count('method="post"')
        assert forms > 3 and html.count(f'name="csrf_token" value="{token}"') == forms


async def test_a_search_for_a_wildcard_matches_it_literally(tmp_path: Path) -> None:
    async with admin_browser(tmp_path) as (_, client):
        assert shown_usernames(await page(client, "/admin/users?q=%25")) == []
        assert shown_usernames(await page(client, "/admin/users?q=_")) == []
