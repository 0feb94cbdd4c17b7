"""i. What resource servers and apps call on every request: introspection and `GET /userinfo`.

Users sign in with the login page's form and give an app (a registered confidential client, not trusted:
consent is asked and given) an access token through the real code flow (`bench/oauth_flow.py`). wrk sends
those tokens at random: to `POST {TOKEN_URL}/introspect` as one resource server (client_secret_basic), and to
`GET /userinfo` as the app. During the introspection run, victims are checked: each victim's tokens are asked
about (so their answers are cached), then the victim logs out, is disabled or takes back the app's consent,
and the next introspection and userinfo answers must say so. An answer that still shows the token working is
stale. The req/s are reported beside, and as ratios to, the same server's `GET /user/me` with many tokens at
random (h.'s quiet run).
"""

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import oauth_flow, wrk
from .oauth_flow import Browser, basic, call, form
from .procs import ROOT, Server, settle
from .seed import PASSWORD

USERS = 100
VICTIMS = 9  # a round's: three of each change
APP_SCOPE = "openid profile email roles"
_KINDS = ("logout", "disable", "consent")


@dataclass
class Apps:
    """A server's app and resource server, its users' app tokens (in a file wrk reads), an admin's token."""

    server: Server
    tokens_file: Path
    app_id: str
    app_secret: str
    resource_basic: str
    admin: str
    victims_made: int = 0


@dataclass
class Checks:
    """The victims' answers after their change: how many were asked, stale, or failed."""

    asked: int = 0
    stale: int = 0
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _json(
    base_url: str, path: str, method: str, token: str, body: object | None = None
) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    data = json.dumps(body).encode() if body is not None else None
    status, _, content = call(base_url + path, method, body=data, headers=headers)
    return status, json.loads(content) if content.startswith(b"{") else {}


def _client(base_url: str, admin: str, body: dict[str, object]) -> tuple[str, str]:
    status, created = _json(base_url, "/clients", "POST", admin, body)
    if status != 201:
        raise RuntimeError(f"POST /clients answered {status}: {created}")
    return str(created["client_id"]), str(created["client_secret"])


def _user_with_app_token(apps: Apps, username: str) -> str:
    oauth_flow.register(apps.server.url, username)
    browser = Browser(apps.server.url)
    browser.sign_in(username, PASSWORD)
    return oauth_flow.app_token(browser, apps.app_id, apps.app_secret, APP_SCOPE)


def prepare(server: Server, workdir: Path, *, users: int = USERS) -> Apps:
    """An admin (`run.py create-admin`), the app and the resource server, and `users` users' app tokens."""
    subprocess.run(
        [sys.executable, "run.py", "create-admin", "appsadmin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        text=True,
        cwd=ROOT,
        env=server.env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    admin = oauth_flow.password_token(server.url, "appsadmin", "admin")
    app: dict[str, object] = {
        "name": "bench app",
        "grant_types": ["authorization_code"],
        "scopes": APP_SCOPE.split(),
        "redirect_uris": [oauth_flow.REDIRECT_URI],
    }
    app_id, app_secret = _client(server.url, admin, app)
    resource: dict[str, object] = {
        "name": "bench resource server",
        "grant_types": ["client_credentials"],
        "scopes": [],
    }
    resource_basic = basic(*_client(server.url, admin, resource))
    tokens_file = workdir / f"app-tokens-{server.name}.txt"
    apps = Apps(server, tokens_file, app_id, app_secret, resource_basic, admin)
    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(lambda n: _user_with_app_token(apps, f"appuser{n:04d}"), range(users)))
    tokens_file.write_text("\n".join(tokens) + "\n")
    settle(server.pid)
    return apps


def _introspect(apps: Apps, token: str) -> tuple[int, bool]:
    headers = {"Authorization": apps.resource_basic, "Content-Type": "application/x-www-form-urlencoded"}
    status, _, content = call(
        apps.server.url + "/token/introspect", "POST", body=form({"token": token}), headers=headers
    )
    return status, status == 200 and json.loads(content).get("active") is True


def _userinfo_works(apps: Apps, token: str) -> bool:
    return call(apps.server.url + "/userinfo", headers={"Authorization": f"Bearer {token}"})[0] == 200


def _victim(apps: Apps) -> tuple[str, str]:
    """A new user's app token and own token (scope profile), each asked about twice: cached."""
    apps.victims_made += 1
    username = f"victim{apps.victims_made:04d}"
    app_token = _user_with_app_token(apps, username)
    own = oauth_flow.password_token(apps.server.url, username, "profile")
    for _ in range(2):
        for token in (app_token, own):
            _introspect(apps, token)
        _userinfo_works(apps, app_token)
    return app_token, own


def _change(apps: Apps, kind: str, own: str) -> bool:
    base = apps.server.url
    if kind == "logout":
        return _json(base, "/logout", "POST", own)[0] == 204
    if kind == "consent":
        return _json(base, f"/user/me/consents/{apps.app_id}", "DELETE", own)[0] == 204
    status, me = _json(base, "/user/me", "GET", own)
    return (
        status == 200 and _json(base, f"/users/{me['id']}", "PATCH", apps.admin, {"disabled": True})[0] == 200
    )


def _check_victims(apps: Apps, victims: list[tuple[str, str, str]], checks: Checks) -> None:
    for kind, app_token, own in victims:
        changed = _change(apps, kind, own)
        # a logout ends the own token's session, a consent taken back the app's; a disabled user has neither
        asked = {"logout": [own], "consent": [app_token], "disable": [app_token, own]}[kind]
        answers = [_introspect(apps, token) for token in asked]
        userinfo = [] if kind == "logout" else [_userinfo_works(apps, app_token)]
        with checks.lock:
            checks.asked += len(answers) + len(userinfo)
            checks.failed += (not changed) + sum(status != 200 for status, _ in answers)
            checks.stale += sum(active for _, active in answers) + sum(userinfo)


def run(apps: Apps, *, workdir: Path, duration_s: int, victims: int = VICTIMS) -> dict[str, float]:
    """Introspection (with the victims checked meanwhile) and userinfo, 32 connections each."""
    made = [(kind, *_victim(apps)) for kind in (_KINDS * victims)[:victims]]
    settle(apps.server.pid)
    env = {"BENCH_TOKENS_FILE": str(apps.tokens_file), "BENCH_BASIC": apps.resource_basic}
    argv = wrk.command(
        apps.server.url + "/token/introspect",
        wrk.script("introspect", workdir),
        connections=32,
        duration_s=duration_s,
    )
    checks = Checks()
    checker = threading.Thread(target=_check_victims, args=(apps, made, checks), daemon=True)
    with wrk.running(argv, env) as proc:
        checker.start()
        introspected = wrk.finish(proc, duration_s)
    checker.join(timeout=60)
    settle(apps.server.pid)
    argv = wrk.command(
        apps.server.url + "/userinfo", wrk.script("mixed", workdir), connections=32, duration_s=duration_s
    )
    userinfo = wrk.run(argv, env, duration_s)
    settle(apps.server.pid)
    errors = sum(introspected.errors.values()) + sum(userinfo.errors.values()) + checks.failed
    return {
        "introspect_rps": introspected.rps,
        "introspect_p99_ms": introspected.percentile(99),
        "userinfo_rps": userinfo.rps,
        "userinfo_p99_ms": userinfo.percentile(99),
        "checked": checks.asked,
        "stale": checks.stale,
        "errors": errors,
    }
