"""POST /{TOKEN_URL}: the OAuth2 password grant and its RFC 6749 errors."""

import statistics
import time
from pathlib import Path

import httpx
import pytest
from jose import jwt

from api.db.models import User
from api.routes import token as token_route

from .conftest import (
    PASSWORD,
    SECRET,
    Clock,
    bearer,
    direct_writes,
    logged_in,
    login,
    make_settings,
    refresh,
    register,
    serve,
)

INCORRECT = {
    "error": "invalid_grant",
    "error_description": "Incorrect username or password",
    "detail": "Incorrect username or password",
}


async def test_password_grant_returns_a_bearer_token(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    response = await login(client, "alice")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    assert body["scope"] == "profile"
    assert response.headers["cache-control"] == "no-store"


async def test_access_token_claims_name_the_user_id_and_mark_an_access_token(
    client: httpx.AsyncClient,
) -> None:
    user_id = (await register(client, "alice")).json()["id"]
    token = (await login(client, "alice")).json()["access_token"]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(user_id)
    assert claims["type"] == "access"
    assert claims["scope"] == "profile"
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert len(claims["jti"]) >= 16
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"


async def test_login_is_case_insensitive_on_the_username(client: httpx.AsyncClient) -> None:
    await register(client, "Alice")
    assert (await login(client, "ALICE")).status_code == 200
    assert (await login(client, "ａｌｉｃｅ")).status_code == 200


async def test_wrong_password_is_400_invalid_grant(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    response = await login(client, "alice", "not-the-password")
    assert response.status_code == 400
    assert response.json() == INCORRECT
    assert response.headers["cache-control"] == "no-store"


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client: httpx.AsyncClient) -> None:
    response = await login(client, "nobody", PASSWORD)
    assert response.status_code == 400
    assert response.json() == INCORRECT


# Timing comparisons: the two kinds of request alternate (A, B, A, B, ...), so that a busy moment of the
# machine weighs on both. Compared, per kind: the mean of its fastest tenth of wall times, and the median
# of the CPU time this process spent (the hash runs in its threads). Scheduling only ever adds to a wall
# time, and on a busy machine adds a lot: the hash threads run at nice 19, so any other process delays them
# by whole time slices. Over 40 pairs of equal work, with one to four other busy processes on two cores,
# the medians came out 0.64x to 2.1x apart, the fastest tenths 0.89x to 1.15x, the CPU times 0.95x to 1.06x.
# Both ratios must lie in [0.8, 1.25] (1/1.25 = 0.8): one kind taking 1.5x as long fails either way.
TIMING_BOUNDS = (0.8, 1.25)
# login pairs: at least 40 (~3 s idle, ~10 s beside busy processes, ~40 s beside two that never rest),
# more while under 6 s
LOGIN_PAIRS, LOGIN_SECONDS = (40, 150), 6.0


def fastest_tenth_mean(seconds: list[float]) -> float:
    """The mean of the fastest tenth: what the work itself takes, with the least scheduling delay in it."""
    return statistics.fmean(sorted(seconds)[: max(1, len(seconds) // 10)])


async def test_unknown_user_takes_about_as_long_as_a_wrong_password(tmp_path: Path) -> None:
    # throttling would answer the later attempts early: this test is about the answers themselves
    settings = make_settings(tmp_path, login_max_failures=1000, login_max_failures_per_address=1_000_000)
    async with serve(settings) as (_, client):
        await register(client, "alice")
        wall: dict[str, list[float]] = {"alice": [], "nobody": []}
        cpu: dict[str, list[float]] = {"alice": [], "nobody": []}
        for username in [*wall] * 3:  # the first few pay for cold caches
            assert (await login(client, username, "not-the-password")).json() == INCORRECT
        started = time.perf_counter()
        while len(wall["alice"]) < LOGIN_PAIRS[0] or (
            len(wall["alice"]) < LOGIN_PAIRS[1] and time.perf_counter() - started < LOGIN_SECONDS
        ):
            for username in wall:  # a known user with a wrong password, then an unknown user, in turn
                wall_started, cpu_started = time.perf_counter(), time.process_time()
                response = await login(client, username, "not-the-password")
                wall[username].append(time.perf_counter() - wall_started)
                cpu[username].append(time.process_time() - cpu_started)
                assert response.json() == INCORRECT
    # without the dummy verification an unknown user would answer many times faster
    wall_ratio = fastest_tenth_mean(wall["nobody"]) / fastest_tenth_mean(wall["alice"])
    cpu_ratio = statistics.median(cpu["nobody"]) / statistics.median(cpu["alice"])
    low, high = TIMING_BOUNDS
    assert low <= wall_ratio <= high and low <= cpu_ratio <= high, (wall_ratio, cpu_ratio, len(wall["alice"]))


@pytest.mark.parametrize(
    "form",
    [{"username": "alice"}, {"password": PASSWORD}, {}, {"username": "", "password": PASSWORD}],
)
async def test_missing_field_is_400_invalid_request(client: httpx.AsyncClient, form: dict[str, str]) -> None:
    response = await client.post("/token", data=form)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.json()["detail"] == response.json()["error_description"]


async def test_json_body_is_400_invalid_request(client: httpx.AsyncClient) -> None:
    response = await client.post("/token", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_other_grant_type_is_400_unsupported_grant_type(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    response = await login(client, "alice", grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_explicit_password_grant_type_is_accepted(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    assert (await login(client, "alice", grant_type="password")).status_code == 200


async def test_admin_scope_for_a_plain_user_is_400_invalid_scope(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    response = await login(client, "alice", scope="admin")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_unknown_scope_is_400_invalid_scope(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    response = await login(client, "alice", scope="profile launch-missiles")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_admin_gets_every_scope_when_none_is_asked_for(client: httpx.AsyncClient) -> None:
    await register(client, "root")
    async with direct_writes(client):
        await User.filter(username_key="root").update(is_admin=True)
    response = await login(client, "root")
    assert response.json()["scope"] == "admin profile"


async def test_asking_for_fewer_scopes_grants_only_those(client: httpx.AsyncClient) -> None:
    await register(client, "root")
    async with direct_writes(client):
        await User.filter(username_key="root").update(is_admin=True)
    response = await login(client, "root", scope="profile")
    assert response.json()["scope"] == "profile"


async def test_disabled_user_cannot_log_in(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    async with direct_writes(client):
        await User.filter(username_key="alice").update(disabled=True)
    response = await login(client, "alice")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()


async def test_overlong_password_at_login_is_invalid_grant(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    response = await login(client, "alice", "p" * 10_000)
    assert response.status_code == 400
    assert response.json() == INCORRECT


async def test_megabyte_password_at_login_is_413_before_any_hashing(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    response = await login(client, "alice", "p" * 1_000_000)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}


async def test_token_url_setting_moves_the_endpoint(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, token_url="shild")) as (_, client):
        await register(client, "alice")
        response = await client.post("/shild", data={"username": "alice", "password": PASSWORD})
        assert response.status_code == 200
        token = response.json()["access_token"]
        assert (await client.get("/user/me", headers=bearer(token))).status_code == 200
        gone = await client.post("/token", data={"username": "alice", "password": PASSWORD})
        assert gone.status_code == 404
        schema = (await client.get("/openapi.json")).json()
        flow = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]
        assert flow["tokenUrl"] == "shild"
        assert "/shild" in schema["paths"] and "/token" not in schema["paths"]


def _comparable(response: httpx.Response) -> tuple[object, ...]:
    """An answer without what differs from run to run: the tokens themselves and the body's length."""
    body = response.json()
    shape = {key: type(value).__name__ for key, value in body.items()}
    fixed = {key: value for key, value in body.items() if not key.endswith("_token")}
    headers = sorted((name, value) for name, value in response.headers.items() if name != "content-length")
    return response.status_code, headers, shape, fixed


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"scope": "profile"},
        {"scope": "admin"},
        {"scope": "roles"},
        {"refresh_token": "not-a-token"},
        {"replay": "yes"},
        {"login_scope": "profile roles"},
        {"login_scope": "profile roles", "scope": "roles"},
    ],
)
async def test_the_refresh_fast_path_answers_byte_for_byte_as_the_route(
    tmp_path: Path, form: dict[str, str]
) -> None:
    answers = []
    for fast in (True, False):
        clock = Clock()
        async with serve(make_settings(tmp_path / str(fast)), me_fast_path=fast, clock=clock) as (_, client):
            assert (await register(client, "alice")).status_code == 201
            login_form = {"scope": form["login_scope"]} if "login_scope" in form else {}
            refresh_token = (await login(client, "alice", **login_form)).json()["refresh_token"]
            if form.get("replay"):
                assert (await refresh(client, refresh_token)).status_code == 200
            extra = {k: v for k, v in form.items() if k not in ("replay", "login_scope")}
            response = await client.post(
                "/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
            )
            answers.append(_comparable(response))
    fast_answer, route_answer = answers
    assert fast_answer == route_answer


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"grant_type": "password"},
        {"scope": "profile"},
        {"scope": "admin"},
        {"scope": "profile roles"},
        {"password": "not-the-password"},
        {"username": "nobody"},
        {"username": "x" * 300},
        {"mfa": "on"},
    ],
)
async def test_the_login_fast_path_answers_byte_for_byte_as_the_route(
    tmp_path: Path, form: dict[str, str]
) -> None:
    answers = []
    for fast in (True, False):
        async with serve(make_settings(tmp_path / str(fast)), me_fast_path=fast) as (_, client):
            assert (await register(client, "alice")).status_code == 201
            if form.get("mfa"):
                async with direct_writes(client):
                    await User.filter(username_key="alice").update(mfa_enabled=True)
            fields = {
                "username": "alice",
                "password": PASSWORD,
                **{k: v for k, v in form.items() if k != "mfa"},
            }
            response = await client.post("/token", data=fields)
            answers.append(_comparable(response))
    fast_answer, route_answer = answers
    assert fast_answer == route_answer


async def test_plain_logins_and_refreshes_are_answered_before_routing(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh_token = (await logged_in(client))["refresh_token"]

    async def not_here(*_args: object) -> None:
        raise AssertionError("the route answered a plain grant")

    monkeypatch.setattr(token_route, "grant", not_here)
    assert (await login(client, "alice", grant_type="password")).status_code == 200
    assert (await refresh(client, refresh_token)).status_code == 200
    # a form with a field the fast path does not take is the route's
    with pytest.raises(AssertionError, match="the route answered"):
        await login(client, "alice", otp="123456")


async def test_a_refresh_naming_a_client_goes_to_the_route_and_works(client: httpx.AsyncClient) -> None:
    refresh_token = (await logged_in(client))["refresh_token"]
    response = await refresh(client, refresh_token, client_id="nobody-registered-this")
    assert response.status_code == 200
    assert set(response.json()) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
