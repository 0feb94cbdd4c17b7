"""The token endpoint's authorization_code grant, the app's refresh tokens, id_tokens and `/userinfo`."""

import asyncio
import base64
import hashlib
from pathlib import Path

import jwt
import pytest

from api.db.models import AuthorizationCode, Session

from .clients import basic
from .conftest import Clock, bearer, me_status, refresh
from .oidc import ISSUER, Pkce, code_for, exchange, provider


def _claims(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


async def test_a_code_gives_tokens_and_an_id_token_with_every_claim(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in("alice", email="alice@example.com", full_name="Alice Liddell")
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="openid profile email offline_access")
        response = await exchange(p.client, app, fields["code"], pkce)
        body = response.json()
        jwks = (await p.client.get("/.well-known/jwks.json")).json()["keys"]
        session = await Session.get(id=_claims(body["access_token"])["sid"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "id_token", "refresh_token"}
    assert body["scope"] == "email offline_access openid profile"
    header = jwt.get_unverified_header(body["id_token"])
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"] in {key["kid"] for key in jwks}
    assert all("k" not in key and key["kty"] in ("RSA", "EC") for key in jwks)
    key = jwt.PyJWK(next(key for key in jwks if key["kid"] == header["kid"]))
    claims = jwt.decode(body["id_token"], key, algorithms=["RS256"], audience=app.client_id, issuer=ISSUER)
    access = _claims(body["access_token"])
    assert claims["sub"] == access["sub"] == str(session.user_id)  # type: ignore[attr-defined]
    assert access["client_id"] == app.client_id
    assert claims["nonce"] == "nonce-456"
    assert claims["at_hash"] == _at_hash(body["access_token"])
    assert claims["preferred_username"] == "alice" and claims["name"] == "Alice Liddell"
    assert claims["email"] == "alice@example.com" and claims["email_verified"] is False
    assert {"iat", "exp", "auth_time", "sid"} <= set(claims)
    assert session.client_id == app.client_id


async def test_without_openid_there_is_no_id_token_and_without_offline_access_no_refresh_token(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="profile")
        body = (await exchange(p.client, app, fields["code"], pkce)).json()
        me = await me_status(p.client, body["access_token"])
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert me == 200  # the usual JWT: /user/me takes it with `profile`


async def test_a_code_works_once_and_its_reuse_revokes_what_it_gave(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="openid profile offline_access")
        first = (await exchange(p.client, app, fields["code"], pkce)).json()
        before = await me_status(p.client, first["access_token"])
        again = await exchange(p.client, app, fields["code"], pkce)
        after = await me_status(p.client, first["access_token"])
        refreshed = await refresh(p.client, first["refresh_token"])
    assert before == 200
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert after == 401
    assert refreshed.status_code == 400


async def test_a_code_exchanged_twice_at_once_succeeds_once_and_the_loser_revokes_what_the_winner_got(
    tmp_path: Path,
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="openid profile offline_access")
        racing = await asyncio.gather(*(exchange(p.client, app, fields["code"], pkce) for _ in range(2)))
        [won] = [answer.json() for answer in racing if answer.status_code == 200]
        [lost] = [answer for answer in racing if answer.status_code != 200]
        after = await me_status(p.client, won["access_token"])
        assert app.secret is not None
        refreshed = await refresh(
            p.client, won["refresh_token"], client_id=app.client_id, client_secret=app.secret
        )
        live = await Session.filter(client_id=app.client_id, revoked_at=None).count()
    assert lost.status_code == 400 and lost.json()["error"] == "invalid_grant"
    assert after == 401
    assert refreshed.status_code == 400
    assert live == 0


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"redirect_uri": "https://app.example/other"}, "redirect_uri"),
        ({"code_verifier": "x" * 43}, "does not match"),
        ({"code_verifier": "short"}, "malformed"),
        ({"code_verifier": ""}, "missing"),
        ({"code": "not-a-code"}, "Invalid or expired authorization code"),
    ],
)
async def test_a_mismatched_exchange_is_invalid_grant_and_leaves_the_code_unspent(
    tmp_path: Path, form: dict[str, str], words: str
) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce)
        data = {"code": fields["code"], **form}
        refused = await exchange(p.client, app, data.pop("code"), pkce, **data)
        if form.get("code_verifier") == "":
            refused = await p.client.post(
                "/token",
                data={
                    "grant_type": "authorization_code",
                    "code": fields["code"],
                    "redirect_uri": app.redirect_uri,
                },
                auth=(app.client_id, app.secret or ""),
            )
        honest = await exchange(p.client, app, fields["code"], pkce)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert words in refused.json()["error_description"]
    assert honest.status_code == 200


async def test_a_verifier_for_a_request_without_a_challenge_is_a_downgrade(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(require_pkce=False, trusted=True)
        await p.sign_in()
        fields = await code_for(p, app, None)
        refused = await exchange(p.client, app, fields["code"], None, code_verifier="v" * 43)
    assert refused.status_code == 400 and "no code_challenge" in refused.json()["error_description"]


async def test_another_clients_code_is_invalid_grant(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        other = await p.register_app(name="Other")
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce)
        stolen = await exchange(p.client, other, fields["code"], pkce)
        honest = await exchange(p.client, app, fields["code"], pkce)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    assert honest.status_code == 200


async def test_a_code_expires_after_sixty_seconds(tmp_path: Path) -> None:
    clock = Clock()
    async with provider(tmp_path, clock=clock) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce)
        clock.advance(seconds=61)
        late = await exchange(p.client, app, fields["code"], pkce)
    assert late.status_code == 400 and "expired" in late.json()["error_description"]


async def test_a_code_dies_with_the_browser_session_that_made_it(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce)
        csrf = (await p.client.get("/account")).text.split('name="csrf-token" content="', 1)[1].split('"')[0]
        await p.client.post(
            "/logout", data={"csrf_token": csrf}, headers={"Origin": ISSUER, "Accept": "text/html"}
        )
        late = await exchange(p.client, app, fields["code"], pkce)
    assert late.status_code == 400 and "ended" in late.json()["error_description"]


async def test_client_authentication_is_required_and_checked(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce)
        data = {
            "grant_type": "authorization_code",
            "code": fields["code"],
            "redirect_uri": app.redirect_uri,
            "code_verifier": pkce.verifier,
        }
        nobody = await p.client.post("/token", data=data)
        id_only = await p.client.post("/token", data={**data, "client_id": app.client_id})
        wrong = await p.client.post("/token", data=data, headers=basic(app.client_id, "wrong"))
        posted = await p.client.post(
            "/token", data={**data, "client_id": app.client_id, "client_secret": app.secret or ""}
        )
    for refused in (nobody, id_only, wrong):
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
        assert refused.headers["www-authenticate"] == "Basic"
    assert posted.status_code == 200  # client_secret_post


async def test_a_public_client_uses_its_id_alone_and_is_refused_with_a_secret(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(confidential=False)
        assert app.secret is None
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce)
        with_secret = await exchange(p.client, app, fields["code"], pkce, client_secret="guess")
        tokens = await exchange(p.client, app, fields["code"], pkce)
    assert with_secret.status_code == 401 and with_secret.json()["error"] == "invalid_client"
    assert tokens.status_code == 200 and "id_token" in tokens.json()


async def test_an_apps_refresh_token_refreshes_only_for_that_app_with_a_new_id_token(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        other = await p.register_app(name="Other")
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="openid offline_access")
        first = (await exchange(p.client, app, fields["code"], pkce)).json()
        anonymous = await refresh(p.client, first["refresh_token"])
        by_other = await p.client.post(
            "/token",
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
            auth=(other.client_id, other.secret or ""),
        )
        renewed = await p.client.post(
            "/token",
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
            auth=(app.client_id, app.secret or ""),
        )
        replayed = await p.client.post(
            "/token",
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
            auth=(app.client_id, app.secret or ""),
        )
        revoked = await me_status(p.client, renewed.json()["access_token"])
    assert anonymous.status_code == by_other.status_code == 400
    assert by_other.json()["error"] == "invalid_grant"
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    old, new = _claims(first["id_token"]), _claims(body["id_token"])
    assert new["sub"] == old["sub"] and new["auth_time"] == old["auth_time"] and new["aud"] == app.client_id
    assert "nonce" not in new
    assert new["at_hash"] == _at_hash(body["access_token"])
    # rotation as before: the spent token is refused and its family revoked
    assert replayed.status_code == 400
    assert revoked == 401


async def test_a_client_without_the_refresh_grant_gets_no_refresh_token(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app(grant_types=["authorization_code"])
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="openid offline_access")
        body = (await exchange(p.client, app, fields["code"], pkce)).json()
    assert "refresh_token" not in body


async def test_a_client_not_registered_for_the_code_grant_is_unauthorized_client(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce)
        await p.client.patch(
            f"/clients/{app.client_id}", json={"grant_types": ["refresh_token"]}, headers=p.admin
        )
        refused = await exchange(p.client, app, fields["code"], pkce)
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"


async def test_es256_clients_get_es256_id_tokens_under_es256(tmp_path: Path) -> None:
    async with provider(tmp_path, jwt_algorithm="ES256") as p:
        es = await p.register_app(id_token_signed_response_alg="ES256", trusted=True)
        rs = await p.register_app(name="RS", trusted=True)
        await p.sign_in()
        algorithms = []
        for app in (es, rs):
            pkce = Pkce()
            fields = await code_for(p, app, pkce)
            token = (await exchange(p.client, app, fields["code"], pkce)).json()["id_token"]
            algorithms.append(jwt.get_unverified_header(token)["alg"])
        published = {key["alg"] for key in (await p.client.get("/.well-known/jwks.json")).json()["keys"]}
    assert algorithms == ["ES256", "RS256"]
    assert published == {"ES256", "RS256"}


async def test_the_code_is_stored_only_as_its_digest(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        fields = await code_for(p, app, Pkce())
        stored = [code.code_hash for code in await AuthorizationCode.all()]
    assert stored == [hashlib.sha256(fields["code"].encode()).hexdigest()]


async def test_userinfo_by_header_and_by_form_body(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in("alice", email="alice@example.com")
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="openid email")
        access = (await exchange(p.client, app, fields["code"], pkce)).json()["access_token"]
        by_header = await p.client.get("/userinfo", headers=bearer(access))
        by_post = await p.client.post("/userinfo", headers=bearer(access))
        by_form = await p.client.post("/userinfo", data={"access_token": access})
        both = await p.client.post("/userinfo", data={"access_token": access}, headers=bearer(access))
    sub = _claims(access)["sub"]
    expected = {"sub": sub, "email": "alice@example.com", "email_verified": False}
    assert by_header.status_code == 200 and by_header.json() == expected
    assert by_post.json() == by_form.json() == expected
    assert by_header.headers["cache-control"] == "no-store"
    assert both.status_code == 400


async def test_userinfo_refuses_bad_tokens_and_tokens_without_openid(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce, scope="profile")
        access = (await exchange(p.client, app, fields["code"], pkce)).json()["access_token"]
        without_openid = await p.client.get("/userinfo", headers=bearer(access))
        forged = await p.client.get("/userinfo", headers=bearer(access[:-4] + "AAAA"))
        none = await p.client.get("/userinfo")
    assert without_openid.status_code == 403
    assert 'error="insufficient_scope"' in without_openid.headers["www-authenticate"]
    assert forged.status_code == 401
    assert forged.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert none.status_code == 401


async def test_introspection_names_the_app_of_an_apps_token(tmp_path: Path) -> None:
    async with provider(tmp_path) as p:
        app = await p.register_app()
        await p.sign_in()
        pkce = Pkce()
        fields = await code_for(p, app, pkce)
        access = (await exchange(p.client, app, fields["code"], pkce)).json()["access_token"]
        answer = await p.client.post(
            "/token/introspect", data={"token": access}, auth=(app.client_id, app.secret or "")
        )
    assert answer.json()["active"] is True
    assert answer.json()["client_id"] == app.client_id
