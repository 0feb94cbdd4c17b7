"""A database made by release 0.1.0, upgraded in place by starting this release on it: nothing is lost."""

from pathlib import Path

import httpx

from .conftest import SECRET, bearer
from .legacy import make_release_0_1_database, query
from .live import run_py, running_service

ACCOUNTS = [("alice", False), ("bob", False), ("root", True)]


async def _rows(database_url: str) -> dict[str, set[tuple[object, ...]]]:
    return {
        "users": set(await query(database_url, "SELECT id, username, email, password_hash FROM users")),
        "sessions": set(await query(database_url, "SELECT id, user_id, scope FROM sessions")),
        "refresh_tokens": set(await query(database_url, "SELECT token_hash, session_id FROM refresh_tokens")),
    }


async def test_a_0_1_0_database_upgrades_in_place_and_every_user_and_token_keeps_working(
    tmp_path: Path, fresh_database_url: str
) -> None:
    users = await make_release_0_1_database(fresh_database_url, secret=SECRET, accounts=ACCOUNTS)
    # 0.1.0 kept its generated signing key here; the upgraded service must find and use it
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret.key").write_text(SECRET + "\n")
    before = await _rows(fresh_database_url)

    check = run_py(tmp_path, fresh_database_url, "migrate", "--check")
    assert check.returncode == 1
    assert "pending: models.0001_initial (adopts the tables made by 0.1.0)" in check.stdout

    with (
        running_service(tmp_path, fresh_database_url) as service,
        httpx.Client(base_url=service.url) as client,
    ):
        for user in users:
            me = client.get("/user/me", headers=bearer(user.access_token))
            assert me.status_code == 200, me.text
            assert me.json()["username"] == user.username
            assert me.json()["is_admin"] is user.is_admin
            sessions = client.get("/user/me/sessions", headers=bearer(user.access_token))
            assert [session["user_agent"] for session in sessions.json()] == ["curl/8.0"]
        after_start = await _rows(fresh_database_url)
        for user in users:
            refreshed = client.post(
                "/token", data={"grant_type": "refresh_token", "refresh_token": user.refresh_token}
            )
            assert refreshed.status_code == 200, refreshed.text
            assert refreshed.json()["scope"] == ("admin profile" if user.is_admin else "profile")
            login = client.post("/token", data={"username": user.username, "password": user.password})
            assert login.status_code == 200, login.text
    assert "Traceback" not in service.output, service.output
    assert "applied migration models.0001_initial (adopts the tables made by 0.1.0)" in service.output

    assert after_start == before, "starting the new release must not change a single row"
    after = await _rows(fresh_database_url)
    assert {row[:3] for row in after["users"]} == {row[:3] for row in before["users"]}
    # the legacy bcrypt hashes were replaced by Argon2id at these logins
    assert all(str(row[3]).startswith("$argon2id$") for row in after["users"])
    assert before["sessions"] <= after["sessions"]
    assert before["refresh_tokens"] <= after["refresh_tokens"]
    clean = run_py(tmp_path, fresh_database_url, "migrate", "--check")
    assert (clean.returncode, clean.stdout) == (0, "the schema is up to date\n")
