"""Back-channel logout behind two workers of `python run.py`, over real HTTP: sessions ended by a logout,
end-session, a password change, an administrator and a reused refresh token each tell the app once."""

import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt

from .backchannel import EVENT, sign_in_to_app
from .conftest import PASSWORD, SECRET, admin_token, bearer, make_settings, serve
from .live import running_service
from .logout_receiver import Receiver
from .oidc import ISSUER, App, Provider

USERS = ("alice", "bob", "carol", "dave", "erin")


@dataclass(frozen=True)
class Browser:
    """A user signed in to the app: the browser's token, the app's id_token (raw, and its `sid`), and the
    app's refresh token."""

    username: str
    cookie_token: str
    id_token: str
    sid: str
    refresh_token: str


async def _signed_in_users(
    settings_path: Path, database_url: str, receiver: Receiver
) -> tuple[App, str, list[Browser]]:
    settings = make_settings(settings_path, public_url=ISSUER, database_url=database_url)
    async with serve(settings, base_url=ISSUER) as (app, client):
        await app.state.auth.backchannel.stop()
        admin = await admin_token(client)
        client.cookies.clear()
        p = Provider(app=app, client=client, admin=bearer(admin))
        registered = await p.register_app(backchannel_logout_uri=receiver.uri)
        browsers = []
        for username in USERS:
            await p.sign_in(username)
            id_token, refresh_token = await sign_in_to_app(p, registered)
            sid = jwt.decode(id_token, options={"verify_signature": False})["sid"]
            browsers.append(Browser(username, client.cookies["auth_token"], id_token, sid, refresh_token))
            client.cookies.clear()
    return registered, admin, browsers


def _end_each_way(url: str, app: App, admin: str, browsers: list[Browser]) -> None:
    logout, end_session, password, disabled, reused = browsers
    with httpx.Client(base_url=url, timeout=30) as http:
        assert http.post("/logout", headers=bearer(logout.cookie_token)).status_code == 204
        ended = http.get(
            "/end-session",
            params={"id_token_hint": end_session.id_token},
            headers={"Cookie": f"auth_token={end_session.cookie_token}"},
        )
        assert ended.status_code == 200, ended.text
        changed = http.post(
            "/user/me/password",
            json={"current_password": PASSWORD, "new_password": "another-Long-passphrase-7"},
            headers=bearer(password.cookie_token),
        )
        assert changed.status_code == 204, changed.text
        me = http.get("/user/me", headers=bearer(disabled.cookie_token)).json()
        patched = http.patch(f"/users/{me['id']}", json={"disabled": True}, headers=bearer(admin))
        assert patched.status_code == 200, patched.text
        form = {"grant_type": "refresh_token", "refresh_token": reused.refresh_token}
        auth = (app.client_id, app.secret or "")
        assert http.post("/token", data=form, auth=auth).status_code == 200
        assert http.post("/token", data=form, auth=auth).status_code == 400


def test_two_workers_tell_the_app_of_each_ended_session_once(tmp_path: Path, fresh_database_url: str) -> None:
    receiver = Receiver()
    registered, admin, browsers = asyncio.run(_signed_in_users(tmp_path, fresh_database_url, receiver))
    command = [
        sys.executable,
        str(Path(__file__).parent.parent / "run.py"),
        "--workers",
        "2",
        "--port",
    ]
    receiver.start()
    try:
        with running_service(
            tmp_path,
            fresh_database_url,
            command=lambda free: [*command, str(free)],
            extra_env={"PUBLIC_URL": ISSUER, "SECRET_KEY": SECRET},
        ) as service:
            _end_each_way(service.url, registered, admin, browsers)
            deadline = time.monotonic() + 60
            while len(receiver.accepted) < len(browsers):
                assert time.monotonic() < deadline, receiver.posts
                time.sleep(0.05)
            time.sleep(2)  # a second post of any of them would come within a poll of either worker
            keys = jwt.PyJWKClient(f"{service.url}/.well-known/jwks.json")
            claims = [
                jwt.decode(
                    token,
                    keys.get_signing_key_from_jwt(token).key,
                    algorithms=["RS256"],
                    audience=registered.client_id,
                    issuer=ISSUER,
                    options={"require": ["iat", "exp", "jti", "sub", "sid", "events"]},
                )
                for token in receiver.accepted
            ]
    finally:
        receiver.stop()
    assert len(receiver.posts) == len(browsers)
    assert sorted(claim["sid"] for claim in claims) == sorted(browser.sid for browser in browsers)
    assert all(claim["events"] == {EVENT: {}} and "nonce" not in claim for claim in claims)
    assert all(jwt.get_unverified_header(token)["typ"] == "logout+jwt" for token in receiver.accepted)
