"""The consent page's answer goes through the same decision as the request that showed it: a sign-in the
request accepts (`max_age`, `prompt=login`), and `prompt=consent` shows the page even to a trusted app."""

from pathlib import Path

from api.db.models import AuthorizationCode, Consent

from .conftest import Clock
from .forms import ORIGIN
from .oidc import Pkce, authorize_query, consent, hidden_fields, login_next, provider, redirect_fields


async def test_allowing_after_the_sign_in_grew_older_than_max_age_asks_for_the_password(
    tmp_path: Path,
) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock) as p:
        app = await p.register_app()
        await p.sign_in()
        page = await p.client.get("/authorize", params=authorize_query(app, Pkce(), max_age="60"))
        clock.advance(minutes=10)
        allowed = await consent(p.client, page)
        codes = await AuthorizationCode.all().count()
        consents = await Consent.all().count()
    assert page.status_code == 200
    assert login_next(allowed).startswith("/authorize?")
    assert codes == consents == 0


async def test_allowing_a_request_with_prompt_login_asks_for_the_password(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        page = await p.client.get("/authorize", params=authorize_query(app, Pkce()))
        form = {**hidden_fields(page.text), "prompt": "login", "decision": "allow"}
        allowed = await p.client.post("/authorize", data=form, headers=ORIGIN)
        codes = await AuthorizationCode.all().count()
    assert login_next(allowed).startswith("/authorize?")
    assert codes == 0


async def test_a_trusted_app_asking_prompt_consent_gets_the_consent_page(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(trusted=True)
        await p.sign_in()
        pkce = Pkce()
        page = await p.client.get("/authorize", params=authorize_query(app, pkce, prompt="consent"))
        allowed = redirect_fields(await consent(p.client, page))
        silent = await p.client.get("/authorize", params=authorize_query(app, pkce))
    assert page.status_code == 200 and 'value="allow"' in page.text and "Notes" in page.text
    assert "code" in allowed
    assert "code" in redirect_fields(silent)
