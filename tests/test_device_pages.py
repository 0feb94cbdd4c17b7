"""The device flow's pages (RFC 8628) over the app: signing in first, the code typed, the consent page
skipped when remembered or trusted, a denial, an expired code, and wrong codes limited per address."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .conftest import Clock
from .devices import (
    decide,
    poll,
    polled_error,
    register_device_app,
    started,
    type_code,
)
from .oidc import ISSUER, provider


async def test_a_denial_is_access_denied_and_the_page_says_so(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        await p.sign_in()
        codes = await started(p.client, app)
        done = await decide(p, await type_code(p, codes["user_code"]), "deny")
        errors = [await polled_error(p.client, app, codes["device_code"]) for _ in range(2)]
    assert done.status_code == 200 and "You denied the request" in done.text
    assert errors == ["access_denied", "access_denied"]


async def test_after_expires_in_the_device_code_is_expired_token_and_the_user_code_unknown(
    tmp_path: Path,
) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock) as p:
        app = await register_device_app(p)
        await p.sign_in()
        codes = await started(p.client, app)
        clock.advance(seconds=600)
        page = await type_code(p, codes["user_code"])
        error = await polled_error(p.client, app, codes["device_code"])
    assert page.status_code == 400 and "That code is not valid" in page.text
    assert error == "expired_token"


async def test_wrong_user_codes_are_limited_to_five_per_address_in_fifteen_minutes(tmp_path: Path) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock) as p:
        app = await register_device_app(p)
        await p.sign_in()
        codes = await started(p.client, app)
        wrong = [await type_code(p, "BBBB-BBBB") for _ in range(5)]
        # the sixth try is refused even with the right code
        blocked = await type_code(p, codes["user_code"])
        clock.advance(minutes=15)
        later = await started(p.client, app)
        after = await type_code(p, later["user_code"])
    assert [page.status_code for page in wrong] == [400] * 5
    assert all("That code is not valid" in page.text for page in wrong)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    assert "Too many requests" in blocked.text
    assert after.status_code == 200 and "Notes CLI</span> wants to" in after.text


async def test_a_malformed_or_empty_user_code_is_the_code_page_again(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        await p.sign_in()
        malformed = await type_code(p, "<script>AEIOU 12</script>")
        empty = await type_code(p, "  ")
    assert malformed.status_code == 400 and "That code is not valid" in malformed.text
    assert "<script>AEIOU" not in malformed.text
    assert empty.status_code == 400 and "Type the code your device shows" in empty.text


async def test_the_code_page_is_prefilled_from_the_link_and_signs_in_first(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        codes = await started(p.client, app)
        signed_out = await p.client.get("/device", params={"user_code": codes["user_code"]})
        await p.sign_in()
        back = parse_qs(urlsplit(signed_out.headers["location"]).query)["next"][0]
        page = await p.client.get(back)
    assert signed_out.status_code == 303
    assert urlsplit(signed_out.headers["location"]).path == "/login"
    assert back == f"/device?user_code={codes['user_code']}"
    assert page.status_code == 200
    assert f'name="user_code" value="{codes["user_code"]}"' in page.text


async def test_the_code_form_needs_the_csrf_token(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        await p.sign_in()
        codes = await started(p.client, app)
        refused = await p.client.post(
            "/device", data={"user_code": codes["user_code"]}, headers={"Origin": ISSUER}
        )
        error = await polled_error(p.client, app, codes["device_code"])
    assert refused.status_code == 403
    assert error == "authorization_pending"


async def test_a_remembered_consent_or_a_trusted_app_skips_the_consent_page(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        trusted = await register_device_app(p, name="Trusted CLI", trusted=True)
        await p.sign_in()
        first = await started(p.client, app)
        await decide(p, await type_code(p, first["user_code"]))
        second = await started(p.client, app)
        remembered = await type_code(p, second["user_code"])
        third = await started(p.client, trusted)
        skipped = await type_code(p, third["user_code"])
        answers = [
            await poll(p.client, app, second["device_code"]),
            await poll(p.client, trusted, third["device_code"]),
        ]
    assert "You may return to your device" in remembered.text
    assert "You may return to your device" in skipped.text
    assert [answer.status_code for answer in answers] == [200, 200]


async def test_any_decision_but_allow_denies(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await register_device_app(p)
        await p.sign_in()
        codes = await started(p.client, app)
        done = await decide(p, await type_code(p, codes["user_code"]), "null")
        error = await polled_error(p.client, app, codes["device_code"])
    assert "You denied the request" in done.text
    assert error == "access_denied"
